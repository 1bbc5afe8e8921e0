import Foundation
import HTTPCore
import Testing
import TestSupport

@Suite("HTTPClient against stub upstreams", .timeLimit(.minutes(2)))
struct HTTPClientTests {
    @Test("A GET reads head and body, and sends Host as the upstream's host:port")
    func simpleGet() throws {
        let origin = try CountingOrigin(routes: ["/a": .text(.ok, "hello")])
        let client = HTTPClient(upstream: origin.upstream)
        let response = try client.send(method: .get, target: "/a")
        #expect(response.status.code == 200)
        #expect(response.contentLength == 6)
        #expect(try response.readWholeBody() == Array("hello\n".utf8))
        #expect(origin.requests.first?.headerFields["Host"] == "127.0.0.1:\(origin.port)")
    }

    @Test("A connection is reused after a complete body, and not after an unread one")
    func connectionReuse() throws {
        let origin = try CountingOrigin(routes: ["/a": .text(.ok, "a")])
        let client = HTTPClient(upstream: origin.upstream)
        for _ in 0..<3 { _ = try client.send(method: .get, target: "/a").readWholeBody() }
        #expect(Set(origin.requests.map(\.remoteAddress)).count == 1)

        _ = try client.send(method: .get, target: "/a")  // body never read: connection dropped
        _ = try client.send(method: .get, target: "/a").readWholeBody()
        #expect(Set(origin.requests.map(\.remoteAddress)).count == 2)
    }

    @Test("A pooled connection the upstream closed meanwhile is replaced without an error")
    func staleConnectionIsRetried() throws {
        var configuration = ServerConfiguration(accessLog: .disabled)
        configuration.idleTimeout = .milliseconds(100)
        let upstream = try TestServer(handler: ClosureHandler { _ in .text(.ok, "fresh") }, configuration: configuration)
        let client = HTTPClient(upstream: UpstreamAddress(host: "127.0.0.1", port: upstream.port))
        _ = try client.send(method: .get, target: "/").readWholeBody()
        Thread.sleep(forTimeInterval: 0.5)  // the upstream closes the idle connection
        #expect(try client.send(method: .get, target: "/").readWholeBody() == Array("fresh\n".utf8))
    }

    @Test("A chunked body is streamed de-chunked, piece by piece")
    func chunkedBody() throws {
        let origin = try ScriptedOrigin(reply: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        let response = try HTTPClient(upstream: origin.upstream).send(method: .get, target: "/")
        #expect(response.framing == .chunked)
        var pieces: [[UInt8]] = []
        try response.readBody { pieces.append(Array($0)) }
        #expect(pieces.joined().elementsEqual(Array("hello world".utf8)))
    }

    @Test("A body without length runs until the upstream closes")
    func untilCloseBody() throws {
        let origin = try ScriptedOrigin(reply: "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nno length here")
        let response = try HTTPClient(upstream: origin.upstream).send(method: .get, target: "/")
        #expect(response.framing == .untilClose)
        #expect(try response.readWholeBody() == Array("no length here".utf8))
    }

    @Test("A body that ends before its Content-Length is reported as truncated")
    func truncatedBody() throws {
        let origin = try ScriptedOrigin(reply: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")
        let response = try HTTPClient(upstream: origin.upstream).send(method: .get, target: "/")
        #expect(throws: HTTPClientError.truncatedBody) { try response.readWholeBody() }
    }

    @Test("A chunked body that stops before the last chunk is reported as truncated")
    func truncatedChunkedBody() throws {
        let origin = try ScriptedOrigin(reply: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
        let response = try HTTPClient(upstream: origin.upstream).send(method: .get, target: "/")
        #expect(throws: HTTPClientError.truncatedBody) { try response.readWholeBody() }
    }

    @Test("Interim 100 Continue responses are skipped")
    func interimResponsesAreSkipped() throws {
        let origin = try ScriptedOrigin(reply: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")
        let response = try HTTPClient(upstream: origin.upstream).send(method: .get, target: "/")
        #expect(response.status.code == 201)
        #expect(try response.readWholeBody() == Array("ok".utf8))
    }

    @Test("Garbage instead of a status line is an invalid response (502)")
    func garbage() throws {
        let origin = try ScriptedOrigin(reply: "SSH-2.0-OpenSSH_9.2\r\n\r\n")
        let error = #expect(throws: HTTPClientError.self) {
            try HTTPClient(upstream: origin.upstream).send(method: .get, target: "/")
        }
        #expect(error?.status == .badGateway)
        guard case .invalidResponse = error else {
            Issue.record("expected invalidResponse, got \(String(describing: error))")
            return
        }
    }

    @Test("A refused connection fails at once with connectFailed (502)")
    func refused() throws {
        let port = try unusedPort()
        let started = ContinuousClock.now
        let error = #expect(throws: HTTPClientError.self) {
            try HTTPClient(upstream: UpstreamAddress(host: "127.0.0.1", port: port)).send(method: .get, target: "/")
        }
        #expect(started.duration(to: .now) < .seconds(5))
        #expect(error?.status == .badGateway)
        guard case .connectFailed = error else {
            Issue.record("expected connectFailed, got \(String(describing: error))")
            return
        }
    }

    @Test("No response head within the response timeout is timedOut (504)")
    func slowUpstream() throws {
        let origin = try CountingOrigin(delay: .seconds(2)) { _ in .text(.ok, "late") }
        let client = HTTPClient(upstream: origin.upstream, responseTimeout: .milliseconds(200))
        #expect(throws: HTTPClientError.timedOut) { try client.send(method: .get, target: "/") }
        #expect(HTTPClientError.timedOut.status == .gatewayTimeout)
    }

    @Test("A request body is sent with its Content-Length")
    func requestBody() throws {
        let origin = try CountingOrigin { request in .text(.ok, "got \(request.body.count)") }
        let response = try HTTPClient(upstream: origin.upstream).send(method: .post, target: "/p", body: Array("abcdef".utf8))
        #expect(try response.readWholeBody() == Array("got 6\n".utf8))
        #expect(origin.requests.first?.headerFields["Content-Length"] == "6")
    }

    @Test("Upstream URLs parse into host and port; $proxy_host drops port 80", arguments: [
        ("http://127.0.0.1:8000", "127.0.0.1", 8000, "127.0.0.1:8000"),
        ("http://127.0.0.1:8000/", "127.0.0.1", 8000, "127.0.0.1:8000"),
        ("http://example.com", "example.com", 80, "example.com"),
        ("HTTP://example.com:80", "example.com", 80, "example.com"),
        ("http://[::1]:9000", "::1", 9000, "[::1]:9000"),
    ])
    func upstreamAddress(url: String, host: String, port: Int, proxyHost: String) throws {
        let address = try #require(UpstreamAddress(url: url))
        #expect(address.host == host && address.port == port && address.proxyHost == proxyHost)
    }

    @Test("Upstream URLs with another scheme, a path, user info or a bad port are refused", arguments: [
        "https://example.com", "127.0.0.1:8000", "http://", "http://host/path", "http://u@host",
        "http://host:0", "http://host:65536", "http://host:x", "ftp://host",
    ])
    func badUpstreamAddress(url: String) {
        #expect(UpstreamAddress(url: url) == nil)
    }
}

/// A port on 127.0.0.1 that nothing listens on: bound once by the kernel's choice, then released.
func unusedPort() throws -> Int {
    let socket = try Socket.listen(host: "127.0.0.1", port: 0)
    return socket.localPort
}
