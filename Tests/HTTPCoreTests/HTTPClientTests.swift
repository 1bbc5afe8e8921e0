import Foundation
import HTTPCore
import Synchronization
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

    @Test("A request lost on a reused connection is retried for GET but never for POST", arguments: [
        (HTTPMethod.get, true), (HTTPMethod.post, false),
    ])
    func retryOnlyIdempotent(method: HTTPMethod, isRetried: Bool) throws {
        let upstream = try ForgetfulUpstream()
        let client = HTTPClient(upstream: UpstreamAddress(host: "127.0.0.1", port: upstream.port))
        _ = try client.send(method: .get, target: "/first").readWholeBody()
        // The pooled connection looks alive, but the upstream drops this request unanswered.
        let result = Result { try client.send(method: method, target: "/second").readWholeBody() }
        if isRetried {
            #expect(try result.get() == Array("ok".utf8))
            #expect(upstream.requestLines == ["GET /first HTTP/1.1", "\(method) /second HTTP/1.1", "\(method) /second HTTP/1.1"])
        } else {
            #expect(throws: HTTPClientError.connectionClosed) { try result.get() }
            #expect(upstream.requestLines == ["GET /first HTTP/1.1", "\(method) /second HTTP/1.1"])
        }
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

/// An upstream that answers the first request on each connection with `ok` and keep-alive, then
/// reads the second request and closes without answering it: a request lost on a reused connection.
final class ForgetfulUpstream: Sendable {
    let port: Int
    private let listener: Socket
    private let received = RequestLineLog()

    init() throws {
        listener = try Socket.listen(host: "127.0.0.1", port: 0)
        port = listener.localPort
        let thread = Thread { [listener, received] in
            while let (connection, _) = try? listener.accept() {
                for answer in [true, false] {
                    guard let line = Self.readRequestLine(connection) else { break }
                    received.lines.withLock { $0.append(line) }
                    guard answer else { break }
                    try? Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".utf8).withUnsafeBytes { try connection.write($0, timeout: .seconds(5)) }
                }
            }
        }
        thread.start()
    }

    var requestLines: [String] { received.lines.withLock { $0 } }

    deinit { listener.shutdown() }

    /// Reads one request head (these tests send no bodies) and returns its request line.
    private static func readRequestLine(_ connection: Socket) -> String? {
        var head: [UInt8] = []
        var byte = [UInt8](repeating: 0, count: 1)
        while !head.ends(with: Array("\r\n\r\n".utf8)) {
            guard let count = try? byte.withUnsafeMutableBytes({ try connection.read(into: $0, deadline: .now + .seconds(5)) }),
                  count == 1 else { return nil }
            head.append(byte[0])
        }
        return String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n").first
    }
}

/// Request lines shared between the upstream's thread and the test.
final class RequestLineLog: Sendable {
    let lines = Mutex<[String]>([])
}

extension Array where Element: Equatable {
    fileprivate func ends(with suffix: [Element]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
