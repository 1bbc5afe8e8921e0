import HTTPCore
import Testing
import TestSupport
@testable import Step2NaiveCache

@Suite("What crosses the proxy: end-to-end header fields, not hop-by-hop ones", .timeLimit(.minutes(1)))
struct ForwardingTests {
    @Test("removingHopByHopFields drops Connection, what it names, and the fixed hop-by-hop set, keeping order")
    func removingHopByHopFields() {
        let fields: HTTPFields = [
            "Host": "example.test", "connection": "X-Foo, x-bar", "X-Foo": "1", "Cookie": "a=1",
            "Keep-Alive": "timeout=5", "TE": "trailers", "Trailer": "X-Checksum", "Transfer-Encoding": "chunked",
            "Upgrade": "websocket", "Proxy-Authorization": "Basic eDp5", "Proxy-Connection": "keep-alive",
            "proxy-authenticate": "Basic", "X-Bar": "2", "Accept": "image/*", "X-Proxy-Cache": "HIT",
        ]
        let expected: HTTPFields = ["Host": "example.test", "Cookie": "a=1", "Accept": "image/*", "X-Proxy-Cache": "HIT"]
        #expect(fields.removingHopByHopFields() == expected)
    }

    @Test("Connection options listed on several lines are all hop-by-hop")
    func connectionOnSeveralLines() {
        let fields: HTTPFields = ["Connection": "x-a", "Connection": " , X-B ", "X-A": "1", "X-B": "2", "X-C": "3"]
        #expect(fields.removingHopByHopFields() == ["X-C": "3"])
    }

    @Test("The origin gets the client's end-to-end fields and Host naming the upstream, and no hop-by-hop field")
    func requestFieldsUpstream() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let response = try fixture.request(.get, "/1.jpg", headerFields: [
            "Connection": "X-Foo", "X-Foo": "1", "Keep-Alive": "timeout=5", "TE": "trailers",
            "Upgrade": "websocket", "Proxy-Authorization": "Basic eDp5", "Cookie": "session=abc",
        ])
        #expect(response.status == 200)
        let received = try #require(origin.requests.first)
        #expect(received.headerFields == ["Host": "127.0.0.1:\(origin.port)", "Cookie": "session=abc"])
    }

    @Test("A field value that is not UTF-8 reaches the client byte for byte, on a MISS and on a HIT")
    func opaqueFieldBytes() throws {
        let value: [UInt8] = Array("caf".utf8) + [0xE9]
        let origin = try RawOrigin { connection, _ in
            while connection.readRequestLine() != nil {
                connection.write(Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Name: ".utf8) + value + Array("\r\n\r\nok".utf8))
            }
        }
        let fixture = try ProxyFixture(upstream: origin.upstream)
        for cacheStatus in ["MISS", "HIT"] {
            let response = try fixture.request(.get, "/name")
            #expect(response.headerFields["X-Proxy-Cache"] == cacheStatus)
            #expect(response.headerFields.first { $0.name == "X-Name" }?.receivedBytes == value)
        }
    }

    @Test("The client gets the origin's end-to-end fields, on a MISS and on a HIT, and no hop-by-hop field")
    func responseFieldsDownstream() throws {
        // Raw bytes: an HTTPServer would never send its handler's Connection field.
        let head = """
            HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nConnection: x-bar\r\nX-Bar: secret\r\n\
            Keep-Alive: timeout=5\r\nProxy-Authenticate: Basic\r\nUpgrade: h2c\r\nSet-Cookie: seen=1\r\n\
            X-Kept: yes\r\nContent-Length: \(ProxyFixture.image.count)\r\n\r\n
            """
        let origin = try ScriptedOrigin(reply: Array(head.utf8) + ProxyFixture.image)
        let fixture = try ProxyFixture(upstream: origin.upstream)
        for cacheStatus in ["MISS", "HIT"] {
            let response = try fixture.request(.get, "/1.jpg")
            #expect(response.headerFields["X-Proxy-Cache"] == cacheStatus)
            let names = response.headerFields.map(\.name)
            #expect(names == ["Server", "Date", "Content-Type", "Set-Cookie", "X-Kept", "X-Proxy-Cache", "Content-Length"])
            #expect(response.body == ProxyFixture.image)
        }
    }

    @Test("The origin's Date and Server are replaced by the proxy's, as nginx replaces them")
    func dateAndServerAreTheProxys() throws {
        let origin = try ScriptedOrigin(reply: """
            HTTP/1.1 200 OK\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\nServer: origin/1.0\r\nContent-Length: 3\r\n\r\nabc
            """)
        let fixture = try ProxyFixture(upstream: origin.upstream)
        for cacheStatus in ["MISS", "HIT"] {
            let fields = try fixture.request(.get, "/old.jpg").headerFields
            #expect(fields["X-Proxy-Cache"] == cacheStatus)
            #expect(fields.values(for: "Server") == ["Step2NaiveCache"])
            #expect(fields.values(for: "Date").count == 1)
            #expect(fields["Date"] != "Thu, 01 Jan 1970 00:00:00 GMT")
        }
    }
}
