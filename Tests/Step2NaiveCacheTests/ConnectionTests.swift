import HTTPCore
import Testing
import TestSupport
@testable import Step2NaiveCache

@Suite("Connections: keep-alive on both sides, and many clients at once", .timeLimit(.minutes(1)))
struct ConnectionTests {
    @Test("One client connection carries MISS, HIT, HEAD, a 404 and a POST in turn")
    func clientKeepAlive() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let client = try RawClient(port: fixture.port)
        let exchanges: [(HTTPMethod, String, Int, String?)] = [
            (.get, "/1.jpg", 200, "MISS"), (.get, "/1.jpg", 200, "HIT"), (.head, "/1.jpg", 200, "HIT"),
            (.get, "/missing.jpg", 404, nil), (.post, "/upload", 404, nil), (.get, "/1.jpg", 200, "HIT"),
        ]
        for (method, target, status, cacheStatus) in exchanges {
            let response = try client.request(method, target, body: method == .post ? [1, 2, 3] : [])
            #expect(response.status == status)
            #expect(response.headerFields["X-Proxy-Cache"] == cacheStatus)
            #expect(response.headerFields["Connection"] == nil)
        }
    }

    @Test("Successive misses reuse one upstream connection")
    func upstreamKeepAlive() throws {
        let origin = try CountingOrigin { request in .text(.ok, "this is \(request.target)") }
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let targets = ["/1.jpg", "/2.jpg", "/3.jpg", "/1.jpg?w=100"]
        for target in targets {
            #expect(try fixture.request(.head, target).headerFields["X-Proxy-Cache"] == "MISS")
        }
        #expect(try fixture.request(.post, "/upload").status == 200)
        let requests = origin.requests
        #expect(requests.count == targets.count + 1)
        #expect(Set(requests.map(\.remoteAddress)).count == 1)
    }

    @Test("200 clients at once all get the stored image as a HIT; the origin saw one request")
    func concurrentHits() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        #expect(try fixture.request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "MISS")
        // Connect and send all 200 before reading any answer, so that the proxy has 200
        // connections, each on its own thread, answering at the same time.
        let clients = try (0..<200).map { _ in try RawClient(port: fixture.port) }
        for client in clients {
            try client.send("GET /1.jpg HTTP/1.1\r\nHost: test\r\n\r\n")
        }
        for client in clients {
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.headerFields["X-Proxy-Cache"] == "HIT")
            #expect(response.body == ProxyFixture.image)
        }
        #expect(origin.count(of: "/1.jpg") == 1)
    }
}
