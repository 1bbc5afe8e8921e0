import Foundation
import Synchronization
import HTTPCore
import Testing
import TestSupport
@testable import Step5Invalidation
import NginxCache

@Suite("A stored response is fresh for --valid, or as long as the origin's Cache-Control or Expires says",
       .timeLimit(.minutes(1)))
struct FreshnessTests {
    /// A policy with the command line's defaults: 60 minutes, cookies stored.
    private let policy = ProxyOptions().policy
    /// A fixed "now" for `Expires`, in Unix seconds: Tue, 14 Nov 2023 22:13:20 GMT.
    private static let now: Int64 = 1_700_000_000

    @Test("How long an answer stays fresh, if it may be stored at all", arguments: [
        // (status, fields, lifetime in seconds or nil for "not stored")
        (200, [:], 3_600),
        (404, [:], nil),
        (206, [:], nil),
        (301, [:], nil),
        (200, ["Cache-Control": "no-store"], nil),
        (200, ["Cache-Control": "no-cache"], nil),
        (200, ["Cache-Control": "private"], nil),
        (200, ["cache-control": "Public, No-Store"], nil),
        (200, ["Cache-Control": "no-cache=\"Set-Cookie\", max-age=600"], nil),
        (200, ["Cache-Control": "max-age=600", "Cache-Control": "private"], nil),
        (200, ["Cache-Control": "max-age=0"], nil),
        (200, ["Cache-Control": "max-age=abc"], nil),
        (200, ["Cache-Control": "max-age=\"600\""], nil),
        (200, ["Cache-Control": "max-age=+600"], nil),
        (200, ["Cache-Control": "max-age=1"], 1),
        (200, ["Cache-Control": "public, max-age=600"], 600),
        (200, ["Cache-Control": "must-revalidate"], 3_600),
        (200, ["Cache-Control": "s-maxage=5, max-age=600"], 5),
        (200, ["Cache-Control": "max-age=600, s-maxage=5"], 5),
        (404, ["Cache-Control": "max-age=600"], 600),
        (500, ["Cache-Control": "max-age=60"], 60),
        (200, ["Expires": "Tue, 14 Nov 2023 22:23:20 GMT"], 600),
        (404, ["Expires": "Tue, 14 Nov 2023 22:23:20 GMT"], 600),
        (200, ["Expires": "Tue, 14 Nov 2023 22:13:20 GMT"], nil),
        (200, ["Expires": "Thu, 01 Jan 1970 00:00:01 GMT"], nil),
        (200, ["Expires": "0"], nil),
        (200, ["Expires": "Thu, 01 Jan 1970 00:00:01 GMT", "Cache-Control": "max-age=60"], 60),
        (200, ["Vary": "Accept-Encoding"], nil),
        (200, ["Set-Cookie": "a=1"], 3_600),
    ] as [(Int, HTTPFields, Int?)])
    func freshnessLifetime(status: Int, fields: HTTPFields, seconds: Int?) {
        let lifetime = policy.freshnessLifetime(of: HTTPStatus(code: status), headerFields: fields, now: Self.now)
        #expect(lifetime == seconds.map { .seconds($0) })
    }

    @Test("--valid sets the lifetime of a 200; --no-store-set-cookie refuses answers that set cookies")
    func policyOptions() {
        let policy = StoragePolicy(validity: .milliseconds(300), storesSetCookie: false)
        #expect(policy.freshnessLifetime(of: .ok, headerFields: [:]) == .milliseconds(300))
        #expect(policy.freshnessLifetime(of: .ok, headerFields: ["Set-Cookie": "a=1"]) == nil)
        #expect(policy.freshnessLifetime(of: .ok, headerFields: ["Set-Cookie": "a=1", "Cache-Control": "max-age=60"]) == nil)
    }

    @Test("After --valid the next request is EXPIRED and goes upstream; the new answer replaces the entry and HITs")
    func expiredIsRefreshed() throws {
        let version = Counter()
        let origin = try CountingOrigin { _ in .text(.ok, "version \(version.next())") }
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.validity = .seconds(1) }
        #expect(try fixture.cacheStatuses(of: "/1.jpg", count: 3) == ["MISS", "MISS", "HIT"])
        fixture.clock.advance(by: .milliseconds(1_800))
        let expired = try fixture.request(.get, "/1.jpg")
        #expect(expired.headerFields["X-Proxy-Cache"] == "EXPIRED")
        #expect(expired.bodyText == "version 3\n")
        let hit = try fixture.request(.get, "/1.jpg")
        #expect(hit.headerFields["X-Proxy-Cache"] == "HIT")
        #expect(hit.bodyText == "version 3\n")
        #expect(origin.count(of: "/1.jpg") == 3)
    }

    @Test("An EXPIRED entry stays until a storable answer replaces it: a 404 on the way is passed through")
    func expiredEntryOutlivesAFailedRefresh() throws {
        let isGone = Flag()
        let origin = try CountingOrigin { _ in isGone.value ? .text(.notFound, "gone") : .text(.ok, "here") }
        let fixture = try ProxyFixture(upstream: origin.upstream) {
            $0.minUses = 1
            $0.validity = .seconds(1)
        }
        #expect(try fixture.request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "MISS")
        isGone.value = true
        fixture.clock.advance(by: .milliseconds(1_800))
        let notFound = try fixture.request(.get, "/1.jpg")
        #expect(notFound.status == 404)
        #expect(notFound.headerFields["X-Proxy-Cache"] == nil)
        isGone.value = false
        #expect(try fixture.cacheStatuses(of: "/1.jpg", count: 2) == ["EXPIRED", "HIT"])
    }

    @Test("Cache-Control: max-age=1 overrides --valid: the entry expires after a second")
    func maxAgeOverridesValid() throws {
        let origin = try CountingOrigin(routes: ["/1.jpg": ProxyFixture.imageResponse(extraFields: ["Cache-Control": "max-age=1"])])
        let fixture = try ProxyFixture(upstream: origin.upstream)
        #expect(try fixture.cacheStatuses(of: "/1.jpg", count: 3) == ["MISS", "MISS", "HIT"])
        fixture.clock.advance(by: .milliseconds(1_800))
        #expect(try fixture.cacheStatuses(of: "/1.jpg", count: 2) == ["EXPIRED", "HIT"])
        #expect(origin.count(of: "/1.jpg") == 3)
    }

    @Test("Cache-Control no-store, no-cache, private and max-age=0 keep an answer out: MISS every time",
          arguments: ["no-store", "no-cache", "private", "max-age=0"])
    func cacheControlKeepsItOut(directive: String) throws {
        let origin = try CountingOrigin(routes: ["/1.jpg": ProxyFixture.imageResponse(extraFields: ["Cache-Control": directive])])
        let fixture = try ProxyFixture(upstream: origin.upstream)
        #expect(try fixture.cacheStatuses(of: "/1.jpg", count: 4) == ["MISS", "MISS", "MISS", "MISS"])
        #expect(origin.count(of: "/1.jpg") == 4)
        #expect(fixture.proxy.cache.count == 0)
    }

    @Test("A 404 with max-age is stored, as nginx stores it, and its HIT carries no X-Proxy-Cache either")
    func notFoundWithMaxAgeIsStored() throws {
        let origin = try CountingOrigin(routes: [
            "/gone.jpg": .text(.notFound, "gone", headerFields: ["Cache-Control": "max-age=600"]),
        ])
        let fixture = try ProxyFixture(upstream: origin.upstream)
        for _ in 1...3 {
            let response = try fixture.request(.get, "/gone.jpg")
            #expect(response.status == 404)
            #expect(response.bodyText == "gone\n")
            #expect(response.headerFields["X-Proxy-Cache"] == nil)
        }
        #expect(origin.count(of: "/gone.jpg") == 2)
    }
}

/// A number shared between a test and its origin's handler thread.
final class Counter: Sendable {
    private let value = Mutex(0)

    /// Adds one and returns the new value.
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}

/// A flag shared between a test and its origin's handler thread.
final class Flag: Sendable {
    private let storage = Mutex(false)

    var value: Bool {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
