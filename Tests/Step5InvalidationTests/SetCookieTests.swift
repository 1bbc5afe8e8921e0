import HTTPCore
import Testing
import TestSupport
@testable import Step5Invalidation
import NginxCache

@Suite("Answers that set cookies: stored and replayed by default, stored without them with --strip-set-cookie, never stored with --no-store-set-cookie",
       .timeLimit(.minutes(1)))
struct SetCookieTests {
    private static func makeCookieOrigin() throws -> CountingOrigin {
        try CountingOrigin(routes: [
            "/1.jpg": ProxyFixture.imageResponse(extraFields: ["Set-Cookie": "seen=1; Path=/", "Set-Cookie": "theme=dark"]),
        ])
    }

    @Test("By default (proxy_ignore_headers Set-Cookie) the answer is stored and every HIT replays its cookies")
    func storedAndReplayed() throws {
        let origin = try Self.makeCookieOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let responses = try (1...4).map { _ in try fixture.request(.get, "/1.jpg") }
        #expect(responses.map { $0.headerFields["X-Proxy-Cache"] } == ["MISS", "MISS", "HIT", "HIT"])
        for response in responses {
            #expect(response.headerFields.values(for: "Set-Cookie") == ["seen=1; Path=/", "theme=dark"])
        }
        #expect(origin.count(of: "/1.jpg") == 2)
    }

    @Test("With --no-store-set-cookie (nginx's default) the answer is never stored: MISS forever")
    func neverStored() throws {
        let origin = try Self.makeCookieOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.storesSetCookie = false }
        let responses = try (1...4).map { _ in try fixture.request(.get, "/1.jpg") }
        #expect(responses.map { $0.headerFields["X-Proxy-Cache"] } == ["MISS", "MISS", "MISS", "MISS"])
        #expect(responses.allSatisfy { $0.headerFields.values(for: "Set-Cookie").count == 2 })
        #expect(origin.count(of: "/1.jpg") == 4)
        #expect(fixture.proxy.cache.count == 0)
    }

    @Test("With --no-store-set-cookie, answers without a cookie are stored as usual")
    func otherAnswersStillStored() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.storesSetCookie = false }
        #expect(try fixture.cacheStatuses(of: "/1.jpg", count: 3) == ["MISS", "MISS", "HIT"])
    }

    @Test("By default one user's session cookie reaches the next user: the leak --strip-set-cookie closes")
    func sessionLeaksToAnotherClient() throws {
        // An origin that starts a session for every client that has none, as a login page would.
        let sessions = Lock(0)
        let origin = try CountingOrigin { request in
            guard request.headerFields["Cookie"] == nil else { return ProxyFixture.imageResponse() }
            let session = sessions.withLock { count in
                count += 1
                return "session=user\(count)"
            }
            return ProxyFixture.imageResponse(extraFields: ["Set-Cookie": session])
        }
        for strips in [false, true] {
            let fixture = try ProxyFixture(upstream: origin.upstream) { $0.replaysSetCookie = !strips }
            // Alice asks twice (the second answer is stored); then Bob, who has no session, asks.
            let alice = try (1...2).map { _ in try fixture.request(.get, "/1.jpg?strip=\(strips)") }
            let bob = try fixture.request(.get, "/1.jpg?strip=\(strips)")
            #expect(bob.headerFields["X-Proxy-Cache"] == "HIT")
            #expect(alice.allSatisfy { $0.headerFields["Set-Cookie"]?.hasPrefix("session=user") == true })
            if strips {
                #expect(bob.headerFields["Set-Cookie"] == nil)
            } else {
                // Bob is handed Alice's session.
                #expect(bob.headerFields["Set-Cookie"] == alice[1].headerFields["Set-Cookie"])
            }
        }
    }

    @Test("With --strip-set-cookie the answer is stored without its cookies: MISSes get them, HITs do not")
    func strippedWhenStored() throws {
        let origin = try Self.makeCookieOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.replaysSetCookie = false }
        let responses = try (1...4).map { _ in try fixture.request(.get, "/1.jpg") }
        #expect(responses.map { $0.headerFields["X-Proxy-Cache"] } == ["MISS", "MISS", "HIT", "HIT"])
        #expect(responses.map { $0.headerFields.values(for: "Set-Cookie").count } == [2, 2, 0, 0])
        #expect(responses.allSatisfy { $0.body == ProxyFixture.image })
        #expect(origin.count(of: "/1.jpg") == 2)
    }

    @Test("The request's Cookie is forwarded to the origin and is not part of the key")
    func requestCookie() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let statuses = try ["a=1", "b=2", "c=3"].map { cookie in
            try fixture.request(.get, "/1.jpg", headerFields: ["Cookie": cookie]).headerFields["X-Proxy-Cache"]
        }
        #expect(statuses == ["MISS", "MISS", "HIT"])
        #expect(origin.requests.map { $0.headerFields["Cookie"] } == ["a=1", "b=2"])
    }
}
