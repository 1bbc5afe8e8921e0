import Dispatch
import Foundation
import HTTPCore
import Synchronization
import Testing
import TestSupport
@testable import Step5Invalidation

@Suite("Fifty cold requests for one image: how many reach the origin, nginx and Step5Invalidation side by side",
       .enabled(if: NginxServer.isInstalled, "nginx is not installed: apt-get install nginx-light"),
       .timeLimit(.minutes(2)))
struct CoalescingConformanceTests {
    /// Sends 50 simultaneous GETs of `/3.jpg` to `port` (each once all are connected) and returns
    /// their X-Proxy-Cache values counted, and whether every body was the whole image.
    static func fiftyColdRequests(port: Int) throws -> (statuses: [String: Int], allWhole: Bool) {
        let image = try SampleImages.bytes("3.jpg")
        let results = Mutex<[(String, Bool)]>([])
        let connected = DispatchGroup()
        let start = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        for _ in 0..<50 {
            connected.enter()
            done.enter()
            Thread {
                let client = try? RawClient(port: port)
                connected.leave()
                start.wait()
                let response = try? client?.request(.get, "/3.jpg")
                results.withLock { $0.append((response?.headerFields["X-Proxy-Cache"] ?? "none", response?.body == image)) }
                done.leave()
            }.start()
        }
        connected.wait()
        for _ in 0..<50 { start.signal() }
        done.wait()
        let all = results.withLock { $0 }
        return (Dictionary(all.map { ($0.0, 1) }, uniquingKeysWith: +), all.allSatisfy(\.1))
    }

    /// An origin serving the sample images after `delay`, counting requests.
    static func makeOrigin() throws -> CountingOrigin {
        let image = try SampleImages.bytes("3.jpg")
        return try CountingOrigin(delay: .seconds(1)) { _ in
            HTTPResponse(status: .ok, headerFields: ["Content-Type": "image/jpeg"], body: .bytes(image))
        }
    }

    @Test("nginx's default sends all fifty upstream; proxy_cache_lock sends two with min-uses 2; Step5Invalidation one")
    func fiftyColdRequests() async throws {
        // nginx as the workshop configures it: proxy_cache_lock off.
        let plainOrigin = try Self.makeOrigin()
        let plain = try NginxServer(locationBody: NginxServer.workshopCacheLocation(upstream: plainOrigin.upstream))
        let nginxDefault = try await onOwnThread { try Self.fiftyColdRequests(port: plain.port) }
        #expect(nginxDefault.statuses == ["MISS": 50])
        #expect(nginxDefault.allWhole)
        #expect(plainOrigin.count(of: "/3.jpg") == 50)

        // proxy_cache_lock on: the first request (use 1) is not cached, so it takes no lock; the
        // second does, and the other 48 wait for its entry and are HITs.
        let lockedOrigin = try Self.makeOrigin()
        let locked = try NginxServer(locationBody: NginxServer.workshopCacheLocation(upstream: lockedOrigin.upstream)
            + "\n        proxy_cache_lock on;")
        let nginxLocked = try await onOwnThread { try Self.fiftyColdRequests(port: locked.port) }
        #expect(nginxLocked.statuses == ["MISS": 2, "HIT": 48])
        #expect(nginxLocked.allWhole)
        #expect(lockedOrigin.count(of: "/3.jpg") == 2)

        // Step5Invalidation: one upstream request, streamed to the 49 followers (all MISS: none
        // of them came from the cache), and the followers' uses store it.
        let ourOrigin = try Self.makeOrigin()
        let directory = try TemporaryDirectory()
        let proxy = try InteropTests.startProxy(upstream: ourOrigin.upstream, cacheDirectory: directory.path + "/cache",
                                                coalesces: true)
        let ours = try await onOwnThread { try Self.fiftyColdRequests(port: proxy.port) }
        #expect(ours.statuses == ["MISS": 50])
        #expect(ours.allWhole)
        #expect(ourOrigin.count(of: "/3.jpg") == 1)
        #expect(try RawClient(port: proxy.port).request(.get, "/3.jpg").headerFields["X-Proxy-Cache"] == "HIT")
    }
}
