import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPCore
import Synchronization
import Testing
import TestSupport

/// A handler that describes the request it got, so tests can see what the server parsed.
private let echo = ClosureHandler { request in
    switch request.target {
    case "/no-content":
        return HTTPResponse(status: .noContent)
    case "/not-modified":
        return HTTPResponse(status: .notModified, headerFields: ["ETag": "\"x\""])
    default:
        let text = "\(request.method) \(request.target) body=\(request.body.count)"
        return .text(.ok, text, headerFields: ["X-Body": String(decoding: request.body, as: UTF8.self)])
    }
}

@Suite("HTTPServer, end to end on a free port", .timeLimit(.minutes(2)))
struct HTTPServerTests {
    // MARK: - Responses and keep-alive

    @Test("A GET is answered with status, Server, Date and Content-Length")
    func answersGet() throws {
        let server = try TestServer(handler: echo)
        let client = try RawClient(port: server.port)
        try client.send("GET /hello HTTP/1.1\r\nHost: test\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.bodyText == "GET /hello body=0\n")
        #expect(response.headerFields["Content-Length"] == "18")
        #expect(response.headerFields["Server"] == "HTTPCore")
        #expect(response.headerFields["Date"].flatMap(HTTPDate.parse) != nil)
        #expect(response.headerFields["Connection"] == nil)
    }

    @Test("An HTTP/1.1 connection stays open for a second request")
    func keepAlive() throws {
        let server = try TestServer(handler: echo)
        let client = try RawClient(port: server.port)
        for path in ["/a", "/b", "/c"] {
            try client.send("GET \(path) HTTP/1.1\r\nHost: test\r\n\r\n")
            #expect(try client.readResponse().bodyText == "GET \(path) body=0\n")
        }
    }

    @Test("Connection: close is honoured: the server answers, says close, and closes")
    func connectionClose() throws {
        let server = try TestServer(handler: echo)
        let client = try RawClient(port: server.port)
        try client.send("GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.headerFields["Connection"] == "close")
        #expect(client.isClosedByServer())
    }

    @Test("HTTP/1.0 closes by default and stays open with Connection: keep-alive")
    func http10() throws {
        let server = try TestServer(handler: echo)
        let plain = try RawClient(port: server.port)
        try plain.send("GET / HTTP/1.0\r\n\r\n")
        #expect(try plain.readResponse().headerFields["Connection"] == "close")
        #expect(plain.isClosedByServer())

        let keptAlive = try RawClient(port: server.port)
        try keptAlive.send("GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(try keptAlive.readResponse().headerFields["Connection"] == "keep-alive")
        try keptAlive.send("GET /2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(try keptAlive.readResponse().bodyText == "GET /2 body=0\n")
    }

    @Test("Pipelined requests sent in one write are answered in order")
    func pipelining() throws {
        let server = try TestServer(handler: echo)
        let client = try RawClient(port: server.port)
        try client.send(
            "GET /1 HTTP/1.1\r\nHost: t\r\n\r\n"
                + "POST /2 HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"
                + "HEAD /3 HTTP/1.1\r\nHost: t\r\n\r\n"
                + "GET /4 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        #expect(try client.readResponse().bodyText == "GET /1 body=0\n")
        #expect(try client.readResponse().bodyText == "POST /2 body=5\n")
        let head = try client.readResponse(to: .head)
        #expect(head.body.isEmpty)
        #expect(head.headerFields["Content-Length"] == "15")
        #expect(try client.readResponse().bodyText == "GET /4 body=0\n")
        #expect(client.isClosedByServer())
    }

    @Test("HEAD, 204 and 304 responses carry no body and the connection stays in sync")
    func responsesWithoutBody() throws {
        let server = try TestServer(handler: echo)
        let client = try RawClient(port: server.port)
        try client.send("HEAD /x HTTP/1.1\r\nHost: t\r\n\r\nGET /no-content HTTP/1.1\r\nHost: t\r\n\r\n"
            + "GET /not-modified HTTP/1.1\r\nHost: t\r\n\r\nGET /after HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        let head = try client.readResponse(to: .head)
        #expect(head.status == 200 && head.headerFields["Content-Length"] == "15")
        let noContent = try client.readResponse()
        #expect(noContent.status == 204 && noContent.headerFields["Content-Length"] == nil)
        let notModified = try client.readResponse()
        #expect(notModified.status == 304 && notModified.headerFields["Content-Length"] == nil)
        // If any of those had sent a body, this response would be misread.
        #expect(try client.readResponse().bodyText == "GET /after body=0\n")
        #expect(try client.readUntilClose().isEmpty)
    }

    @Test("A body larger than the socket's buffers arrives intact to a slow reader, across partial writes")
    func largeBodyPartialWrites() throws {
        // A blocking send returns early only when SO_SNDTIMEO expires after some progress: a
        // short write timeout and a client that reads slowly make that happen many times.
        var configuration = ServerConfiguration(accessLog: .disabled)
        configuration.ioTimeout = .milliseconds(200)
        // 16 MiB with a pattern that a dropped or repeated piece would break.
        let body = (0..<(16 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 13) }
        let server = try TestServer(handler: ClosureHandler { _ in HTTPResponse(status: .ok, body: .bytes(body)) },
                                    configuration: configuration)
        let client = try RawClient(port: server.port)
        try client.send("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = try chunk.withUnsafeMutableBytes { try client.socket.read(into: $0, deadline: .now + .seconds(10)) }
            if count == 0 { break }
            received += chunk[..<count]
            Thread.sleep(forTimeInterval: 0.002)
        }
        let headEnd = try #require(received.firstRange(of: Array("\r\n\r\n".utf8)))
        #expect(received[headEnd.upperBound...].elementsEqual(body))
    }

    // MARK: - Request content

    @Test("A chunked request body is decoded and the next request stays in sync")
    func chunkedRequestBody() throws {
        let server = try TestServer(handler: echo)
        let client = try RawClient(port: server.port)
        try client.send("POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n"
            + "GET /next HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.bodyText == "POST /up body=11\n")
        #expect(response.headerFields["X-Body"] == "hello world")
        #expect(try client.readResponse().bodyText == "GET /next body=0\n")
    }

    @Test("Expect: 100-continue gets an interim 100 before the client sends the body")
    func expectContinue() throws {
        let server = try TestServer(handler: echo)
        let client = try RawClient(port: server.port)
        try client.send("PUT /p HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
        #expect(try client.readResponse().status == 100)
        try client.send("abc")
        #expect(try client.readResponse().bodyText == "PUT /p body=3\n")
    }

    @Test("Content larger than the limit is refused with 413 and the answer arrives intact")
    func contentTooLarge() throws {
        var configuration = ServerConfiguration(accessLog: .disabled)
        configuration.limits.maxContentLength = 1000
        let server = try TestServer(handler: echo, configuration: configuration)
        let client = try RawClient(port: server.port)
        // The client sends the body anyway: lingering close must keep the 413 from being reset away.
        try client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\n\r\n" + String(repeating: "x", count: 1001))
        let response = try client.readResponse()
        #expect(response.status == 413)
        #expect(response.headerFields["Connection"] == "close")
        #expect(client.isClosedByServer())
    }

    // MARK: - Bad input gets a clear answer

    static let badRequests: [(name: String, request: String, status: Int)] = [
        ("missing Host", "GET / HTTP/1.1\r\n\r\n", 400),
        ("garbage", "\u{1}\u{2}\u{3} hello\r\n\r\n", 400),
        ("Content-Length with Transfer-Encoding", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("conflicting Content-Length", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
        ("whitespace before colon", "GET / HTTP/1.1\r\nHost : t\r\n\r\n", 400),
        ("obsolete line folding", "GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n b\r\n\r\n", 400),
        ("unknown transfer coding", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        ("HTTP/2.0 over text", "GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505),
        ("request line too long", "GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: t\r\n\r\n", 414),
        ("too many header fields", "GET / HTTP/1.1\r\nHost: t\r\n" + String(repeating: "X-A: b\r\n", count: 101) + "\r\n", 431),
        ("malformed chunk size", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
    ]

    @Test("Malformed requests are answered with their status and a reason, then closed", arguments: badRequests)
    func badRequestsAreAnswered(name: String, request: String, status: Int) throws {
        let server = try TestServer(handler: echo)
        let client = try RawClient(port: server.port)
        try client.send(request)
        let response = try client.readResponse()
        #expect(response.status == status, "\(name)")
        #expect(response.headerFields["Connection"] == "close", "\(name)")
        #expect(response.headerFields["Content-Type"] == "text/plain; charset=utf-8", "\(name)")
        #expect(!response.bodyText.isEmpty, "\(name)")
        #expect(client.isClosedByServer(), "\(name)")
    }

    @Test("Garbage with no line end, such as a TLS handshake, is answered with 400 at once")
    func garbageWithoutLineEnd() throws {
        var configuration = ServerConfiguration(accessLog: .disabled)
        configuration.headTimeout = .seconds(30)  // the answer must not wait for this
        let server = try TestServer(handler: echo, configuration: configuration)
        let client = try RawClient(port: server.port, timeout: .seconds(5))
        try client.send([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03])
        let response = try client.readResponse()
        #expect(response.status == 400)
        #expect(response.bodyText == "malformed request line\n")
    }

    @Test("A client that ends its side in the middle of a request is told so with 400", arguments: [
        "GET /partial HTTP/1.1\r\nHost: t\r\nX-Unfinished: ",
        "POST /short HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc",
        "POST /chunks HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
    ])
    func incompleteRequest(request: String) throws {
        let server = try TestServer(handler: echo)
        let client = try RawClient(port: server.port)
        try client.send(request)
        client.socket.shutdownWrite()
        let response = try client.readResponse()
        #expect(response.status == 400)
        #expect(response.bodyText == "request ended before it was complete\n")
        #expect(client.isClosedByServer())
    }

    @Test("A client that closes an idle kept-alive connection gets no stray answer")
    func cleanCloseAfterRequest() throws {
        let server = try TestServer(handler: echo)
        let client = try RawClient(port: server.port)
        try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        _ = try client.readResponse()
        client.socket.shutdownWrite()
        #expect(try client.readUntilClose().isEmpty)
    }

    // MARK: - Deadlines

    @Test("A client trickling its head one byte every half second is cut off with 408")
    func trickledHeadIsCutOff() throws {
        var configuration = ServerConfiguration(accessLog: .disabled)
        configuration.headTimeout = .seconds(2)
        let server = try TestServer(handler: echo, configuration: configuration)
        let client = try RawClient(port: server.port)
        let started = ContinuousClock.now
        var sent = 0
        // Each byte arrives well within any per-read timeout; only a total deadline stops this.
        for byte in Array("GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 40) {
            do { try client.send([byte]) } catch { break }
            sent += 1
            if client.isClosedByServer(within: .milliseconds(500)) { break }
        }
        let response = try client.readResponse()
        #expect(response.status == 408)
        // The whole trickle would take over 35 s; the deadline is 2 s. Generous bound, no flakiness.
        #expect(started.duration(to: .now) < .seconds(10))
        #expect(sent < 40)
    }

    @Test("A connection that sends nothing is closed after the head timeout, without a response")
    func silentConnectionIsClosed() throws {
        var configuration = ServerConfiguration(accessLog: .disabled)
        configuration.headTimeout = .milliseconds(500)
        let server = try TestServer(handler: echo, configuration: configuration)
        let client = try RawClient(port: server.port)
        #expect(client.isClosedByServer(within: .seconds(5)))
        #expect(try client.readUntilClose().isEmpty)
    }

    @Test("An idle keep-alive connection is closed after the idle timeout")
    func idleConnectionIsClosed() throws {
        var configuration = ServerConfiguration(accessLog: .disabled)
        configuration.idleTimeout = .milliseconds(500)
        let server = try TestServer(handler: echo, configuration: configuration)
        let client = try RawClient(port: server.port)
        try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().status == 200)
        #expect(client.isClosedByServer(within: .seconds(5)))
    }

    // MARK: - Concurrency and shutdown

    @Test("300 concurrent connections are all answered")
    func manyConnections() throws {
        let server = try TestServer(handler: echo)
        // All 300 are open, and all have a request waiting, before any answer is read.
        let clients = try (0..<300).map { _ in try RawClient(port: server.port) }
        for (index, client) in clients.enumerated() {
            try client.send("GET /\(index) HTTP/1.1\r\nHost: t\r\n\r\n")
        }
        for (index, client) in clients.enumerated() {
            #expect(try client.readResponse().bodyText == "GET /\(index) body=0\n")
        }
    }

    @Test("Beyond the connection cap a client waits; a client that never reads is cut off by the write timeout")
    func capAndWriteTimeout() throws {
        var configuration = ServerConfiguration(accessLog: .disabled)
        configuration.maxConnections = 1
        configuration.ioTimeout = .milliseconds(500)
        let large = [UInt8](repeating: 7, count: 32 << 20)
        let largeRequested = DispatchSemaphore(value: 0)
        let server = try TestServer(handler: ClosureHandler { request in
            guard request.target == "/large" else { return .text(.ok, "small") }
            largeRequested.signal()
            return HTTPResponse(status: .ok, body: .bytes(large))
        }, configuration: configuration)

        // The only slot: a client that asks for 32 MiB and never reads, so the server's send blocks.
        let stuck = try RawClient(port: server.port)
        try stuck.send("GET /large HTTP/1.1\r\nHost: t\r\n\r\n")
        largeRequested.wait()

        // The kernel accepts this connection into the backlog, but no thread serves it yet.
        let waiting = try RawClient(port: server.port, timeout: .seconds(10))
        try waiting.send("GET /small HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try waiting.socket.waitForInput(until: .now + .milliseconds(300)) == false)

        // Once the write timeout gives up on the stuck client, its slot serves the waiting one.
        #expect(try waiting.readResponse().bodyText == "small\n")
    }

    @Test("Shutdown finishes the response in flight, then refuses new connections")
    func gracefulShutdown() throws {
        let arrived = DispatchSemaphore(value: 0)
        let finish = DispatchSemaphore(value: 0)
        let slow = ClosureHandler { _ in
            arrived.signal()
            finish.wait()
            return .text(.ok, "finished")
        }
        let server = try TestServer(handler: slow)
        let client = try RawClient(port: server.port)
        try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        arrived.wait()  // the request is now in the handler
        server.server.shutdown()
        finish.signal()
        let response = try client.readResponse()
        #expect(response.bodyText == "finished\n")
        #expect(response.headerFields["Connection"] == "close")
        #expect(server.server.waitUntilStopped(timeout: .seconds(5)))
        #expect(throws: SocketError.self) { try RawClient(port: server.port) }
    }

    // MARK: - Real clients and the access log

    @Test("URLSession gets the same answer as the raw client")
    func urlSession() async throws {
        let server = try TestServer(handler: echo)
        let (data, response) = try await URLSession.shared.data(from: URL(string: "\(server.url)/via-urlsession?q=1")!)
        let http = try #require(response as? HTTPURLResponse)
        #expect(http.statusCode == 200)
        #expect(String(decoding: data, as: UTF8.self) == "GET /via-urlsession?q=1 body=0\n")
    }

    @Test("A streamed body that breaks off closes the connection and logs the bytes that went out")
    func brokenStream() throws {
        struct UpstreamVanished: Error {}
        let entries = Mutex<[AccessLog.Entry]>([])
        let log = AccessLog { entry in entries.withLock { $0.append(entry) } }
        let handler = ClosureHandler { _ in
            HTTPResponse(status: .ok, body: .stream(count: 10) { write in
                try write(Array("abcd".utf8)[...])
                throw UpstreamVanished()
            })
        }
        let server = try TestServer(handler: handler, configuration: ServerConfiguration(accessLog: log))
        let client = try RawClient(port: server.port)
        try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        // The head promised 10 bytes; 4 came, then the close: the client can tell it is incomplete.
        #expect(throws: SocketError.connectionClosed) { try client.readResponse() }
        let deadline = ContinuousClock.now + .seconds(5)
        while entries.withLock({ $0.isEmpty }), ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(entries.withLock { $0.first?.bodyBytes } == 4)
    }

    @Test("Each request leaves one access-log line with address, request, status, bytes and time")
    func accessLog() throws {
        let entries = Mutex<[AccessLog.Entry]>([])
        let log = AccessLog { entry in entries.withLock { $0.append(entry) } }
        let server = try TestServer(handler: echo, configuration: ServerConfiguration(accessLog: log))
        let client = try RawClient(port: server.port)
        try client.send("GET /logged HTTP/1.1\r\nHost: t\r\nUser-Agent: test-agent\r\n\r\n")
        _ = try client.readResponse()
        try client.send("GET / HTTP/1.1\r\n\r\n")  // missing Host: 400, still logged
        _ = try client.readResponse()
        // The server logs right after it sends, so the last line may lag the response slightly.
        let deadline = ContinuousClock.now + .seconds(5)
        while entries.withLock({ $0.count }) < 2, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        let logged = entries.withLock { $0 }
        #expect(logged.count == 2)
        #expect(logged.first?.requestLine == "GET /logged HTTP/1.1")
        #expect(logged.first?.status == 200)
        #expect(logged.first?.bodyBytes == 19)
        #expect(logged.first?.remoteAddress?.host == .ipv4(127, 0, 0, 1))
        #expect(logged.last?.status == 400)
        let line = AccessLog.standardError.format(try #require(logged.first))
        #expect(line.hasPrefix("127.0.0.1 - - ["))
        #expect(line.contains("] \"GET /logged HTTP/1.1\" 200 19 \"-\" \"test-agent\" "))
    }

    @Test("A quote in the User-Agent or target cannot forge access-log fields: it is escaped as nginx does")
    func accessLogEscaping() {
        let entry = AccessLog.Entry(remoteAddress: ClientAddress(host: .ipv4(127, 0, 0, 1), port: 5000), requestLine: "GET /a\"b HTTP/1.1", status: 200,
                                    bodyBytes: 5, referer: nil, userAgent: "curl\" 200 999 \"-\" \"forged\\ caf\u{E9}",
                                    duration: .zero)
        let line = AccessLog.standardError.format(entry)
        #expect(line.contains("\"GET /a\\x22b HTTP/1.1\" 200 5 \"-\" \"curl\\x22 200 999 \\x22-\\x22 \\x22forged\\x5C caf\\xC3\\xA9\" "))
        // Exactly the format's own quotes are left: three fields of two quotes each.
        #expect(line.filter { $0 == "\"" }.count == 6)
    }
}

@Suite("Request targets", .timeLimit(.minutes(1)))
struct RequestTargetTests {
    @Test("The origin-form of a target is what a proxy forwards (RFC 9112 §3.2)", arguments: [
        ("/1.jpg?w=100", "/1.jpg?w=100"),
        ("//1.jpg", "//1.jpg"),
        ("http://example.com/1.jpg?w=100", "/1.jpg?w=100"),
        ("HTTPS://example.com:8443/a/b", "/a/b"),
        ("http://example.com", "/"),
        ("http://example.com?q=1", "/?q=1"),
    ])
    func originForm(target: String, originForm: String) {
        let head = HTTPRequestHead(method: .get, target: target, version: .http1_1, headerFields: ["Host": "x"])
        #expect(head.originFormTarget == originForm)
    }

    @Test("The asterisk and authority forms have no origin-form", arguments: ["*", "example.com:443", "ftp://x/y"])
    func noOriginForm(target: String) {
        #expect(HTTPRequestHead.originForm(of: target[...]) == nil)
    }
}
