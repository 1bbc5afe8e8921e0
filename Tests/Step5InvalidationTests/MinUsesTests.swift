import Foundation
import HTTPCore
import Synchronization
import Testing
import TestSupport
@testable import Step5Invalidation
import NginxCache

@Suite("A response is stored once its URL has been asked for --min-uses times", .timeLimit(.minutes(1)))
struct MinUsesTests {
    @Test("With the default of 2: GET, GET, GET is MISS, MISS (stored), HIT, and the origin is asked twice")
    func defaultMinUses() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let key = fixture.key("/1.jpg", upstream: origin.upstream)
        #expect(try fixture.request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "MISS")
        #expect(fixture.proxy.cache.count == 0)
        #expect(fixture.proxy.cache.uses(of: key) == 1)
        #expect(try fixture.request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "MISS")
        #expect(fixture.storedBody(of: "/1.jpg", upstream: origin.upstream)?.isTheImage == true)
        let hit = try fixture.request(.get, "/1.jpg")
        #expect(hit.headerFields["X-Proxy-Cache"] == "HIT")
        #expect(hit.body.isTheImage)
        #expect(origin.count(of: "/1.jpg") == 2)
        // Hits are uses too, as in nginx.
        #expect(fixture.proxy.cache.uses(of: key) == 3)
    }

    @Test("The request on which the count reaches --min-uses is the last MISS", arguments: [
        (1, ["MISS", "HIT", "HIT", "HIT"]),
        (2, ["MISS", "MISS", "HIT", "HIT"]),
        (3, ["MISS", "MISS", "MISS", "HIT"]),
    ])
    func minUses(minUses: Int, expected: [String]) throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.minUses = minUses }
        #expect(try fixture.cacheStatuses(of: "/1.jpg", count: 4) == expected)
        #expect(origin.count(of: "/1.jpg") == minUses)
    }

    @Test("HEAD counts as a use and is fetched as GET: HEAD, HEAD, HEAD is MISS, MISS, HIT, and a GET then gets the body")
    func headCountsAsAUse() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let responses = try (1...3).map { _ in try fixture.request(.head, "/1.jpg") }
        #expect(responses.map { $0.headerFields["X-Proxy-Cache"] } == ["MISS", "MISS", "HIT"])
        for response in responses {
            #expect(response.headerFields["Content-Length"] == "\(ProxyFixture.image.count)")
            #expect(response.body.isEmpty)
        }
        #expect(origin.requests.map(\.method) == [.get, .get])
        let get = try fixture.request(.get, "/1.jpg")
        #expect(get.headerFields["X-Proxy-Cache"] == "HIT")
        #expect(get.body.isTheImage)
    }

    @Test("GET and HEAD count towards the same key: GET, HEAD, GET is MISS, MISS, HIT")
    func getAndHeadShareTheCount() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        #expect(try fixture.request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "MISS")
        #expect(try fixture.request(.head, "/1.jpg").headerFields["X-Proxy-Cache"] == "MISS")
        let hit = try fixture.request(.get, "/1.jpg")
        #expect(hit.headerFields["X-Proxy-Cache"] == "HIT")
        #expect(hit.body.isTheImage)
        #expect(origin.count(of: "/1.jpg") == 2)
    }

    @Test("Each raw target counts on its own: /1.jpg and /1.jpg?w=100 are two keys")
    func targetsCountSeparately() throws {
        let origin = try CountingOrigin { request in .text(.ok, "you asked for \(request.target)") }
        let fixture = try ProxyFixture(upstream: origin.upstream)
        for target in ["/1.jpg", "/1.jpg?w=100", "/1.jpg", "/1.jpg?w=100"] {
            #expect(try fixture.request(.get, target).headerFields["X-Proxy-Cache"] == "MISS")
        }
        for target in ["/1.jpg", "/1.jpg?w=100"] {
            let hit = try fixture.request(.get, target)
            #expect(hit.headerFields["X-Proxy-Cache"] == "HIT")
            #expect(hit.bodyText == "you asked for \(target)\n")
        }
        #expect(fixture.proxy.cache.count == 2)
    }

    @Test("POST and other methods are not uses: they reach the origin, leave the count alone and carry no X-Proxy-Cache",
          arguments: [HTTPMethod.post, .put, .delete])
    func otherMethodsAreNotUses(method: HTTPMethod) throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let key = fixture.key("/1.jpg", upstream: origin.upstream)
        for _ in 1...2 {
            let response = try fixture.request(method, "/1.jpg", body: Array("x".utf8))
            #expect(response.status == 200)
            #expect(response.headerFields["X-Proxy-Cache"] == nil)
        }
        #expect(fixture.proxy.cache.uses(of: key) == 0)
        #expect(try fixture.cacheStatuses(of: "/1.jpg", count: 3) == ["MISS", "MISS", "HIT"])
        #expect(origin.requests.map(\.method) == [method, method, .get, .get])
    }

    @Test("A 404 counts as a use but is never stored, and carries no X-Proxy-Cache")
    func notFoundIsNeverStored() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        #expect(try fixture.cacheStatuses(of: "/missing.jpg", count: 3) == ["-", "-", "-"])
        #expect(origin.count(of: "/missing.jpg") == 3)
        #expect(fixture.proxy.cache.uses(of: fixture.key("/missing.jpg", upstream: origin.upstream)) == 3)
        #expect(fixture.proxy.cache.count == 0)
    }

    @Test("Range and conditional fields reach the origin only on requests whose answer will not be stored")
    func rangeIsWithheldWhenStoring() throws {
        // An origin that ignores Range, so that whatever arrives is a whole 200 worth storing.
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let fields: HTTPFields = ["Range": "bytes=0-9", "If-None-Match": "\"other\"", "Cookie": "c=1"]
        for _ in 1...2 {
            let response = try fixture.request(.get, "/1.jpg", headerFields: fields)
            #expect(response.status == 200)
            #expect(response.body.isTheImage)
        }
        // The HIT answers the range itself, from the stored image (see HitResponseTests).
        let hit = try fixture.request(.get, "/1.jpg", headerFields: fields)
        #expect(hit.status == 206)
        #expect(hit.body == Array(ProxyFixture.image.prefix(10)))
        let received = origin.requests.map(\.headerFields)
        #expect(received.count == 2)
        // The first answer is not stored (one use): the client's fields go as they are, as nginx sends them.
        #expect(received.first?["Range"] == "bytes=0-9")
        #expect(received.first?["If-None-Match"] == "\"other\"")
        // The second is stored for every later client, so it must be the whole, unconditional response.
        #expect(received.last?["Range"] == nil)
        #expect(received.last?["If-None-Match"] == nil)
        #expect(received.allSatisfy { $0["Cookie"] == "c=1" })
    }

    @Test("With --no-coalesce, concurrent misses are not coalesced, as in nginx by default: all ten reach the origin")
    func noCoalescing() throws {
        let origin = try ProxyFixture.makeImageOrigin(delay: .milliseconds(300))
        let fixture = try ProxyFixture(upstream: origin.upstream) { options in
            options.minUses = 1
            options.coalescesMisses = false
        }
        let statuses = Mutex<[String]>([])
        let group = DispatchGroup()
        for _ in 1...10 {
            group.enter()
            Thread {
                let response = try? fixture.request(.get, "/1.jpg")
                statuses.withLock { $0.append(response?.headerFields["X-Proxy-Cache"] ?? "no answer") }
                group.leave()
            }.start()
        }
        group.wait()
        #expect(statuses.withLock { $0 } == Array(repeating: "MISS", count: 10))
        #expect(origin.count(of: "/1.jpg") == 10)
        #expect(try fixture.request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "HIT")
    }

    @Test("An upstream failure is a 502, counts as a use, and stores nothing")
    func upstreamFailure() throws {
        let origin = try ScriptedOrigin(reply: "garbage\r\n\r\n")
        let fixture = try ProxyFixture(upstream: origin.upstream)
        for _ in 1...3 {
            let response = try fixture.request(.get, "/1.jpg")
            #expect(response.status == 502)
            #expect(response.headerFields["X-Proxy-Cache"] == nil)
        }
        #expect(fixture.proxy.cache.count == 0)
    }
}
