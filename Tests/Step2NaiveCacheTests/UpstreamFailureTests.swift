import Foundation
import HTTPCore
import Testing
import TestSupport
@testable import Step2NaiveCache

@Suite("When the upstream fails: 502 and 504, while other requests go on", .timeLimit(.minutes(1)))
struct UpstreamFailureTests {
    @Test("An upstream nobody listens on is a 502 within a few seconds, with a reason")
    func upstreamDownIsBadGateway() throws {
        // A port that was free a moment ago: bind it, then close it at once.
        let port = try Socket.listen(host: "127.0.0.1", port: 0).localPort
        let fixture = try ProxyFixture(upstream: UpstreamAddress(host: "127.0.0.1", port: port))
        let started = ContinuousClock.now
        let response = try fixture.request(.get, "/1.jpg")
        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(response.status == 502)
        #expect(response.bodyText == "upstream http://127.0.0.1:\(port) refused the connection\n")
        #expect(response.headerFields["Content-Type"] == "text/plain; charset=utf-8")
        #expect(response.headerFields["X-Proxy-Cache"] == nil)
    }

    @Test("An upstream that sends no answer, or no valid one, is a 502 saying so", arguments: [
        ("", "closed the connection before a complete response"),
        ("HELLO\r\n\r\n", "sent an invalid response: malformed status line"),
    ])
    func brokenUpstreamIsBadGateway(reply: String, reason: String) throws {
        let origin = try ScriptedOrigin(reply: reply)
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let response = try fixture.request(.get, "/1.jpg")
        #expect(response.status == 502)
        #expect(response.bodyText.hasPrefix("upstream \(origin.upstream) "))
        #expect(response.bodyText.contains(reason))
    }

    @Test("An upstream slower than the upstream timeout is a 504")
    func slowUpstreamIsGatewayTimeout() throws {
        let origin = try ProxyFixture.makeImageOrigin(delay: .seconds(2))
        let fixture = try ProxyFixture(upstream: origin.upstream, upstreamTimeout: .milliseconds(300))
        let started = ContinuousClock.now
        let response = try fixture.request(.get, "/1.jpg")
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(response.status == 504)
        #expect(response.bodyText == "upstream \(origin.upstream) did not answer in time\n")
        #expect(origin.count(of: "/1.jpg") == 1)
        #expect(fixture.proxy.cache.count == 0)
    }

    @Test("While one request waits for a slow upstream, other requests are answered")
    func slowUpstreamDoesNotHoldUpOthers() throws {
        let origin = try CountingOrigin { request in
            if request.target == "/slow.jpg" { Thread.sleep(forTimeInterval: 2) }
            return HTTPResponse(status: .ok, body: .bytes(ProxyFixture.image))
        }
        let fixture = try ProxyFixture(upstream: origin.upstream)
        #expect(try fixture.request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "MISS")
        let slowClient = try RawClient(port: fixture.port)
        try slowClient.send("GET /slow.jpg HTTP/1.1\r\nHost: test\r\n\r\n")
        let started = ContinuousClock.now
        for target in ["/1.jpg", "/other.jpg"] {
            #expect(try fixture.request(.get, target).status == 200)
        }
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(try slowClient.readResponse().body == ProxyFixture.image)
    }
}
