import Foundation
import HTTPCore
import Testing
import TestSupport
@testable import Step2NaiveCache

@Suite("Upstream bodies: chunked, until close, and cut short", .timeLimit(.minutes(1)))
struct UpstreamFramingTests {
    /// The image as a chunked body in pieces of 2,000 bytes, ending with the last chunk.
    private static let chunkedImage: [UInt8] = {
        var bytes: [UInt8] = []
        var rest = ProxyFixture.image[...]
        while !rest.isEmpty {
            let piece = rest.prefix(2000)
            bytes += Array(String(piece.count, radix: 16).utf8) + [13, 10] + piece + [13, 10]
            rest = rest.dropFirst(piece.count)
        }
        return bytes + Array("0\r\n\r\n".utf8)
    }()

    @Test("A chunked 200 is relayed chunked while it arrives, stored de-chunked, and served with Content-Length on the HIT")
    func chunkedIsStoredDechunked() throws {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nTransfer-Encoding: chunked\r\n\r\n"
        let origin = try ScriptedOrigin(reply: Array(head.utf8) + Self.chunkedImage)
        let fixture = try ProxyFixture(upstream: origin.upstream)
        for cacheStatus in ["MISS", "HIT"] {
            let response = try fixture.request(.get, "/1.jpg")
            #expect(response.headerFields["X-Proxy-Cache"] == cacheStatus)
            #expect(response.headerFields["Transfer-Encoding"] == (cacheStatus == "MISS" ? "chunked" : nil))
            #expect(response.headerFields["Content-Length"] == (cacheStatus == "MISS" ? nil : "\(ProxyFixture.image.count)"))
            #expect(response.body == ProxyFixture.image)
        }
        #expect(origin.requestLines == ["GET /1.jpg HTTP/1.1"])
        let key = CacheKey(proxyHost: origin.upstream.proxyHost, target: "/1.jpg")
        #expect(fixture.proxy.cache.cachedResponse(for: key)?.body == ProxyFixture.image)
    }

    @Test("A 200 whose body runs until the upstream closes is relayed chunked, stored, and served with Content-Length")
    func untilCloseIsStored() throws {
        let origin = try ScriptedOrigin(reply: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello until close")
        let fixture = try ProxyFixture(upstream: origin.upstream)
        for cacheStatus in ["MISS", "HIT"] {
            let response = try fixture.request(.get, "/hello.txt")
            #expect(response.headerFields["X-Proxy-Cache"] == cacheStatus)
            #expect(response.headerFields["Content-Length"] == (cacheStatus == "MISS" ? nil : "17"))
            #expect(response.bodyText == "hello until close")
        }
        #expect(origin.requestLines.count == 1)
    }

    @Test("An HTTP/1.0 client gets a body of unknown length ended by the close")
    func untilCloseToHTTP10() throws {
        let origin = try ScriptedOrigin(reply: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello until close")
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let client = try RawClient(port: fixture.port)
        try client.send("GET /hello.txt HTTP/1.0\r\n\r\n")
        let text = String(decoding: try client.readUntilClose(), as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(text.contains("Connection: close\r\n"))
        #expect(!text.contains("Content-Length") && !text.contains("Transfer-Encoding"))
        #expect(text.hasSuffix("\r\n\r\nhello until close"))
    }

    @Test("A body delimited by the close that ends in a reset is never stored: MISS every time, never complete", arguments: [
        "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nTransfer-Encoding: gzip\r\n\r\n",
    ])
    func resetBodyIsNeverStored(head: String) throws {
        let relayed = DispatchSemaphore(value: 0)
        let origin = try RawOrigin { connection, _ in
            guard connection.readRequestLine() != nil else { return }
            connection.write(Array(head.utf8) + Array(ProxyFixture.image.prefix(2000)))
            relayed.wait()  // the reset comes once the proxy has relayed the head, in the body
            connection.resetWhenClosed()
        }
        let fixture = try ProxyFixture(upstream: origin.upstream)
        for _ in 1...2 {
            let client = try RawClient(port: fixture.port)
            try client.send("GET /1.jpg HTTP/1.1\r\nHost: test\r\n\r\n")
            #expect(try client.socket.waitForInput(until: .now + .seconds(5)))
            relayed.signal()
            // The head and what arrived are relayed, then the connection closes before the last chunk.
            #expect(throws: SocketError.connectionClosed) { try client.readResponse() }
        }
        #expect(origin.connectionCount == 2)
        #expect(fixture.proxy.cache.count == 0)
    }

    @Test("A body cut short before Content-Length is not stored, and the client sees the connection close early")
    func truncatedBodyIsNeitherStoredNorCompleted() throws {
        let origin = try CountingOrigin(routes: [
            "/1.jpg": CountingOrigin.truncatedResponse(headerFields: ProxyFixture.imageFields,
                                                       body: Array(ProxyFixture.image.prefix(1000)),
                                                       announcedLength: ProxyFixture.image.count),
        ])
        let fixture = try ProxyFixture(upstream: origin.upstream)
        for _ in 1...2 {
            let client = try RawClient(port: fixture.port)
            try client.send("GET /1.jpg HTTP/1.1\r\nHost: test\r\n\r\n")
            let received = try client.readUntilClose()
            // The head (with the full Content-Length) and the first 1,000 bytes, then the close.
            let text = String(decoding: received, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(text.contains("Content-Length: \(ProxyFixture.image.count)\r\n"))
            #expect(text.contains("X-Proxy-Cache: MISS\r\n"))
            #expect(received.count < ProxyFixture.image.count)
            #expect(Array(received.suffix(1000)) == Array(ProxyFixture.image.prefix(1000)))
        }
        // Nothing was stored, so the second request was a MISS too.
        #expect(origin.count(of: "/1.jpg") == 2)
        #expect(fixture.proxy.cache.count == 0)
    }

    @Test("A RawClient reading the cut-short response sees it end before its Content-Length")
    func truncatedBodyIsIncompleteForAClient() throws {
        let origin = try CountingOrigin(routes: [
            "/1.jpg": CountingOrigin.truncatedResponse(body: [1, 2, 3], announcedLength: 10),
        ])
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let client = try RawClient(port: fixture.port)
        try client.send("GET /1.jpg HTTP/1.1\r\nHost: test\r\n\r\n")
        #expect(throws: SocketError.connectionClosed) { try client.readResponse() }
    }

    @Test("A chunked body cut short before its last chunk reaches the client without its last chunk, and is not stored")
    func truncatedChunkedIsIncomplete() throws {
        let origin = try ScriptedOrigin(reply: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
        let fixture = try ProxyFixture(upstream: origin.upstream)
        for _ in 1...2 {
            let client = try RawClient(port: fixture.port)
            try client.send("GET /hello.txt HTTP/1.1\r\nHost: test\r\n\r\n")
            let text = String(decoding: try client.readUntilClose(), as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(text.contains("X-Proxy-Cache: MISS\r\n"))
            #expect(text.hasSuffix("\r\n\r\n5\r\nhello\r\n"))  // no "0\r\n\r\n": the client knows it is incomplete
        }
        #expect(origin.requestLines.count == 2)
        #expect(fixture.proxy.cache.count == 0)
    }

    @Test("A HEAD miss whose upstream announces an absurd Content-Length gets the head, without a crash or an entry")
    func absurdContentLengthOnHead() throws {
        let origin = try ScriptedOrigin(reply: "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999\r\n\r\nabc")
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let response = try fixture.request(.head, "/1.jpg")
        #expect(response.status == 200)
        #expect(response.headerFields["Content-Length"] == "99999999999999")
        #expect(fixture.proxy.cache.count == 0)
    }
}
