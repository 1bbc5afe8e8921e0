import Foundation
import HTTPCore
import NginxCache
import Synchronization
import Testing
import TestSupport
@testable import Step5Invalidation

@Suite("PURGE drops one entry or every entry with a prefix, for the clients allowed to", .timeLimit(.minutes(1)))
struct PurgeTests {
    /// The JSON body of a PURGE answer.
    private struct Answer: Decodable {
        var status: String
        var key: String?
        var path: String?
        var prefix: String?
        var count: Int?
        var keys: [String]?
        var truncated: Bool?
        var reason: String?
    }

    private func answer(_ response: RawClient.Response) throws -> Answer {
        #expect(response.headerFields["Content-Type"] == "application/json")
        return try JSONDecoder().decode(Answer.self, from: Data(response.body))
    }

    /// An origin answering any target with the image.
    private static func makeOrigin() throws -> CountingOrigin {
        try CountingOrigin { _ in ProxyFixture.imageResponse() }
    }

    @Test("PURGE of a cached key: 200 naming the key and the file, the file is gone, the next GET is one MISS that refills it")
    func purgeOneKey() throws {
        let origin = try Self.makeOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        _ = try fixture.cacheStatuses(of: "/1.jpg", count: 3)
        let path = fixture.path(of: "/1.jpg", upstream: origin.upstream)
        let key = fixture.key("/1.jpg", upstream: origin.upstream)
        let usesBefore = fixture.proxy.cache.uses(of: key)
        let response = try fixture.request(.purge, "/1.jpg")
        #expect(response.status == 200)
        let body = try answer(response)
        #expect(body.status == "purged")
        #expect(body.key == "127.0.0.1:\(origin.port)/1.jpg")
        #expect(body.path == path)
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(response.headerFields["X-Proxy-Cache"] == nil)
        // Never forwarded, never a use; the count stays, as in nginx: one MISS refills the entry.
        #expect(origin.count(of: "/1.jpg") == 2)
        #expect(fixture.proxy.cache.uses(of: key) == usesBefore)
        #expect(try fixture.cacheStatuses(of: "/1.jpg", count: 2) == ["MISS", "HIT"])
        #expect(origin.count(of: "/1.jpg") == 3)
    }

    @Test("PURGE of a key with nothing cached: 404 \"not cached\", and no use counted")
    func purgeUncachedKey() throws {
        let origin = try Self.makeOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let response = try fixture.request(.purge, "/never.jpg")
        #expect(response.status == 404)
        #expect(try answer(response).status == "not cached")
        #expect(fixture.proxy.cache.uses(of: fixture.key("/never.jpg", upstream: origin.upstream)) == 0)
        #expect(origin.requests.isEmpty)
    }

    @Test("A trailing * drops every key with the prefix before it, found in the index; other keys stay", arguments: [
        ("/a/*", ["/a/1.jpg", "/a/2.jpg"]),
        ("/1.jpg?*", ["/1.jpg?", "/1.jpg?w=100"]),
        ("/*", ["/1.jpg", "/1.jpg?", "/1.jpg?w=100", "/a/1.jpg", "/a/2.jpg", "/b/1.jpg"]),
        // Only the final * is special: the prefix here is "/a/*", which no key has.
        ("/a/**", []),
    ])
    func purgePrefix(target: String, purged: [String]) throws {
        let origin = try Self.makeOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.minUses = 1 }
        let all = ["/1.jpg", "/1.jpg?", "/1.jpg?w=100", "/a/1.jpg", "/a/2.jpg", "/b/1.jpg"]
        for stored in all { _ = try fixture.request(.get, stored) }
        #expect(fixture.files.count == all.count)
        let response = try fixture.request(.purge, target)
        let body = try answer(response)
        let host = "127.0.0.1:\(origin.port)"
        #expect(response.status == (purged.isEmpty ? 404 : 200))
        #expect(body.prefix == host + target.dropLast())
        #expect(body.count == purged.count)
        #expect(body.keys == purged.map { host + $0 })
        #expect(body.truncated == false)
        for stored in all {
            let status = try fixture.request(.get, stored).headerFields["X-Proxy-Cache"]
            #expect(status == (purged.contains(stored) ? "MISS" : "HIT"), "\(stored)")
        }
    }

    @Test("A * that is not the last character is a character of the key like any other")
    func starInsideTheTarget() throws {
        let origin = try Self.makeOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.minUses = 1 }
        for stored in ["/a*b.jpg", "/a1b.jpg"] { _ = try fixture.request(.get, stored) }
        let body = try answer(try fixture.request(.purge, "/a*b.jpg"))
        #expect(body.status == "purged")
        #expect(body.key == "127.0.0.1:\(origin.port)/a*b.jpg")
        #expect(try fixture.request(.get, "/a1b.jpg").headerFields["X-Proxy-Cache"] == "HIT")
    }

    @Test("A prefix purge of more keys than the answer lists says how many went and that the list is cut")
    func longPrefixPurge() throws {
        let origin = try Self.makeOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.minUses = 1 }
        for n in 0..<(CachingProxy.purgedKeysShown + 5) { _ = try fixture.request(.get, "/many/\(n).jpg") }
        let body = try answer(try fixture.request(.purge, "/many/*"))
        #expect(body.count == CachingProxy.purgedKeysShown + 5)
        #expect(body.keys?.count == CachingProxy.purgedKeysShown)
        #expect(body.truncated == true)
        #expect(fixture.files.isEmpty)
    }

    @Test("Outside --purge-allow: 403 with a reason, and nothing is deleted")
    func refusedClient() throws {
        let origin = try Self.makeOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream) {
            $0.purgeAllow = [AddressBlock(parsing: "10.0.0.0/8")!, AddressBlock(parsing: "fd00::/8")!]
        }
        _ = try fixture.cacheStatuses(of: "/1.jpg", count: 2)
        let response = try fixture.request(.purge, "/1.jpg")
        #expect(response.status == 403)
        let body = try answer(response)
        #expect(body.status == "forbidden")
        #expect(body.reason == "PURGE is not allowed from 127.0.0.1 (--purge-allow)")
        #expect(try fixture.request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "HIT")
    }

    @Test("The default allows loopback only, IPv4 and IPv6 (and IPv4 loopback seen by a dual-stack socket)", arguments: [
        ("127.0.0.1", true), ("127.5.6.7", true), ("::1", true), ("::ffff:127.0.0.1", true),
        ("10.0.0.1", false), ("::2", false), ("::ffff:10.0.0.1", false),
    ])
    func defaultAllowList(address: String, isAllowed: Bool) throws {
        let host = try #require(ClientAddress.Host(parsing: address))
        #expect(CachingProxy.loopback.contains { $0.contains(host) } == isAllowed)
    }

    @Test("Over IPv6 loopback, PURGE is allowed by default")
    func ipv6Loopback() throws {
        let origin = try Self.makeOrigin()
        var options = ProxyOptions()
        let directory = try TemporaryDirectory()
        options.cacheDirectory = directory.path + "/cache"
        let cache = options.makeCache(report: { _ in })
        try cache.directory.createIfMissing()
        _ = try cache.load()
        let proxy = CachingProxy(upstream: origin.upstream, upstreamTimeout: .seconds(10), policy: options.policy, cache: cache)
        // TestServer listens on 127.0.0.1 only; this one listens on ::1.
        let server = try HTTPServer(configuration: ServerConfiguration(host: "::1", port: 0, serverName: "Step5Invalidation",
                                                                       accessLog: .disabled), handler: proxy)
        server.start()
        defer {
            server.shutdown()
            server.waitUntilStopped(timeout: .seconds(5))
        }
        let client = try RawClient(host: "::1", port: server.port)
        try client.send("PURGE /1.jpg HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().status == 404)  // allowed: nothing was cached
    }

    @Test("A purge wins over a miss in flight: the answer is relayed, but not stored")
    func purgeDuringMiss() throws {
        let gate = DispatchSemaphore(value: 0)
        let arrived = DispatchSemaphore(value: 0)
        let holds = Atomic<Bool>(true)
        let origin = try CountingOrigin { _ in
            if holds.exchange(false, ordering: .relaxed) {
                arrived.signal()
                gate.wait()
            }
            return ProxyFixture.imageResponse()
        }
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.minUses = 1 }
        let port = fixture.port
        let result = Mutex<RawClient.Response?>(nil)
        let finished = DispatchSemaphore(value: 0)
        Thread {
            let response = try? RawClient(port: port).request(.get, "/1.jpg")
            result.withLock { $0 = response }
            finished.signal()
        }.start()
        #expect(arrived.wait(timeout: .now() + 10) == .success)
        #expect(try fixture.request(.purge, "/1.jpg").status == 404)  // nothing stored yet
        gate.signal()
        #expect(finished.wait(timeout: .now() + 10) == .success)
        let response = try #require(result.withLock { $0 })
        #expect(response.headerFields["X-Proxy-Cache"] == "MISS")
        #expect(response.body.isTheImage)
        #expect(fixture.files.isEmpty)
        #expect(fixture.proxy.cache.count == 0)
        #expect(try fixture.cacheStatuses(of: "/1.jpg", count: 2) == ["MISS", "HIT"])
    }

    @Test("Purges while HITs are being served: every response is a whole image, HIT or MISS, never an error")
    func purgeDuringHits() throws {
        let image = try SampleImages.bytes("3.jpg")
        let origin = try CountingOrigin { _ in
            HTTPResponse(status: .ok, headerFields: ["Content-Type": "image/jpeg"], body: .bytes(image))
        }
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.minUses = 1 }
        _ = try fixture.request(.get, "/3.jpg")
        let port = fixture.port
        let stop = Atomic<Bool>(false)
        let failures = Mutex<[String]>([])
        let served = Atomic<Int>(0)
        let group = DispatchGroup()
        for _ in 0..<4 {
            group.enter()
            Thread {
                defer { group.leave() }
                while !stop.load(ordering: .relaxed) {
                    do {
                        let response = try RawClient(port: port).request(.get, "/3.jpg")
                        if response.status != 200 || response.body != image {
                            failures.withLock { $0.append("\(response.status), \(response.body.count) bytes") }
                        }
                        served.add(1, ordering: .relaxed)
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
            }.start()
        }
        for _ in 0..<50 {
            _ = try fixture.request(.purge, "/3.jpg")
            Thread.sleep(forTimeInterval: 0.005)
        }
        stop.store(true, ordering: .relaxed)
        group.wait()
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0.prefix(5) })")
        #expect(served.load(ordering: .relaxed) > 50)
    }

    @Test("A prefix purge while the loader has not read the directory is refused with 503 and Retry-After")
    func prefixPurgeWhileLoading() throws {
        let origin = try Self.makeOrigin()
        var options = ProxyOptions()
        let directory = try TemporaryDirectory()
        options.cacheDirectory = directory.path + "/cache"
        let cache = options.makeCache(report: { _ in })  // never loaded
        let proxy = CachingProxy(upstream: origin.upstream, upstreamTimeout: .seconds(10), policy: options.policy, cache: cache)
        let server = try TestServer(handler: proxy)
        let response = try RawClient(port: server.port).request(.purge, "/*")
        #expect(response.status == 503)
        #expect(response.headerFields["Retry-After"] == "1")
        #expect(try answer(response).status == "loading")
        // An exact purge needs no index: the md5 path is enough.
        #expect(try RawClient(port: server.port).request(.purge, "/1.jpg").status == 404)
    }
}
