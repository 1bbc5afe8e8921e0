import Foundation
import HTTPCore
import Testing
import TestSupport
@testable import Step5Invalidation
import NginxCache

@Suite("The cache stays bounded: --max-size on disk, --inactive and --keys-zone", .timeLimit(.minutes(1)))
struct MemoryBoundTests {
    /// An origin answering `/a` … `/e` with 10,000 bytes each.
    private static func makeOrigin() throws -> CountingOrigin {
        let routes = ["/a", "/b", "/c", "/d", "/e"].map { target in
            (target, HTTPResponse(status: .ok, headerFields: ["Content-Type": "image/jpeg"],
                                  body: .bytes([UInt8](repeating: UInt8(ascii: "x"), count: 10_000))))
        }
        return try CountingOrigin(routes: Dictionary(uniqueKeysWithValues: routes))
    }

    @Test("Over --max-size, the least recently used entry goes: a HIT keeps an entry, the untouched one is evicted")
    func leastRecentlyUsedIsEvicted() throws {
        let origin = try Self.makeOrigin()
        // What one such entry takes on this file system (in blocks): room for three and a half.
        let probe = try ProxyFixture(upstream: origin.upstream) { $0.minUses = 1 }
        _ = try probe.request(.get, "/e")
        let entrySize = probe.proxy.cache.storedBytes
        #expect(entrySize >= 10_000)
        let fixture = try ProxyFixture(upstream: origin.upstream) {
            $0.minUses = 1
            $0.maxSize = entrySize * 7 / 2
        }
        for target in ["/a", "/b", "/c"] {
            #expect(try fixture.request(.get, target).headerFields["X-Proxy-Cache"] == "MISS")
        }
        #expect(fixture.proxy.cache.count == 3)
        #expect(fixture.files.count == 3)
        // /a is now the most recently used, so storing /d evicts /b, not /a: its file goes.
        #expect(try fixture.request(.get, "/a").headerFields["X-Proxy-Cache"] == "HIT")
        #expect(try fixture.request(.get, "/d").headerFields["X-Proxy-Cache"] == "MISS")
        #expect(fixture.proxy.cache.count == 3)
        #expect(fixture.proxy.cache.storedBytes <= entrySize * 7 / 2)
        #expect(!FileManager.default.fileExists(atPath: fixture.path(of: "/b", upstream: origin.upstream)))
        #expect(fixture.files.count == 3)
        #expect(try fixture.request(.get, "/a").headerFields["X-Proxy-Cache"] == "HIT")
        #expect(try fixture.request(.get, "/d").headerFields["X-Proxy-Cache"] == "HIT")
        // /b comes back from the origin, and evicts /c, by now the least recently used.
        #expect(try fixture.request(.get, "/b").headerFields["X-Proxy-Cache"] == "MISS")
        #expect(try fixture.request(.get, "/c").headerFields["X-Proxy-Cache"] == "MISS")
        #expect(["/a", "/b", "/c", "/d"].map { origin.count(of: $0) } == [1, 2, 2, 1])
        #expect(fixture.files.count == 3)
    }

    @Test("A response larger than --max-size is never stored, by GET or by HEAD")
    func tooLargeIsNeverStored() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream) {
            $0.minUses = 1
            $0.maxSize = ProxyFixture.image.count - 1
        }
        #expect(try fixture.cacheStatuses(of: "/1.jpg", count: 3) == ["MISS", "MISS", "MISS"])
        #expect(try fixture.cacheStatuses(of: "/1.jpg", .head, count: 2) == ["MISS", "MISS"])
        #expect(origin.count(of: "/1.jpg") == 5)
        #expect(fixture.proxy.cache.count == 0)
        #expect(fixture.proxy.cache.storedBytes == 0)
    }

    @Test("A use count is forgotten after --inactive: GET, wait, GET is not stored; a third GET is")
    func useCountsAreForgotten() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.inactive = .seconds(1) }
        let key = fixture.key("/1.jpg", upstream: origin.upstream)
        #expect(try fixture.request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "MISS")
        fixture.clock.advance(by: .milliseconds(1_800))
        #expect(try fixture.request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "MISS")
        #expect(fixture.proxy.cache.uses(of: key) == 1)
        #expect(fixture.proxy.cache.count == 0)
        #expect(try fixture.cacheStatuses(of: "/1.jpg", count: 2) == ["MISS", "HIT"])
        #expect(origin.count(of: "/1.jpg") == 3)
    }

    @Test("A stored entry is forgotten with its key after --inactive, fresh or not, as nginx forgets it")
    func entriesAreForgotten() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.inactive = .seconds(1) }
        #expect(try fixture.cacheStatuses(of: "/1.jpg", count: 3) == ["MISS", "MISS", "HIT"])
        fixture.clock.advance(by: .milliseconds(1_800))
        // Any request sweeps: this one is for another key. The file goes with the entry.
        _ = try fixture.request(.get, "/other.jpg")
        #expect(fixture.proxy.cache.count == 0)
        #expect(fixture.proxy.cache.keyCount == 1)
        #expect(fixture.files.isEmpty)
        #expect(try fixture.cacheStatuses(of: "/1.jpg", count: 3) == ["MISS", "MISS", "HIT"])
    }

    @Test("The cache manager's sweep deletes inactive entries' files with no request at all, and keeps active ones")
    func sweepDeletesFiles() throws {
        let origin = try CountingOrigin(routes: ["/1.jpg": ProxyFixture.imageResponse(), "/2.jpg": ProxyFixture.imageResponse()])
        let fixture = try ProxyFixture(upstream: origin.upstream) {
            $0.inactive = .seconds(10)
            $0.minUses = 1
        }
        _ = try fixture.request(.get, "/1.jpg")
        fixture.clock.advance(by: .seconds(6))
        _ = try fixture.request(.get, "/2.jpg")
        #expect(fixture.files.count == 2)
        fixture.clock.advance(by: .seconds(6))
        fixture.proxy.cache.sweep()
        #expect(fixture.files == [String(fixture.path(of: "/2.jpg", upstream: origin.upstream).dropFirst(fixture.cachePath.count + 1))])
        #expect(fixture.proxy.cache.count == 1)
        fixture.clock.advance(by: .seconds(6))
        fixture.proxy.cache.sweep()
        #expect(fixture.files.isEmpty)
        #expect(fixture.proxy.cache.keyCount == 0)
    }

    @Test("--keys-zone caps the keys counted: a flood of distinct URLs forgets the least recently used counts")
    func keysZoneCapsTheKeys() throws {
        let origin = try CountingOrigin { request in .text(.ok, request.target) }
        // Room for three keys like 127.0.0.1:PORT/flood?NN (each counts its node and its text).
        let keyBytes = KeyIndex.zoneBytes(for: CacheKey(proxyHost: origin.upstream.proxyHost, target: "/flood?20"))
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.keysZoneSize = 3 * keyBytes }
        #expect(try fixture.request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "MISS")
        for n in 1...20 {
            _ = try fixture.request(.get, "/flood?\(n)")
        }
        #expect(fixture.proxy.cache.keyCount == 3)
        #expect(fixture.proxy.cache.keysFromOldest.map(\.rawValue) == [18, 19, 20].map { "127.0.0.1:\(origin.port)/flood?\($0)" })
        // /1.jpg's first use was forgotten: two more uses are needed before it is stored.
        #expect(try fixture.cacheStatuses(of: "/1.jpg", count: 3) == ["MISS", "MISS", "HIT"])
    }
}
