import Foundation
import HTTPCore
import Testing
import TestSupport

@Suite("Outbound checks: nothing from a hostile name splits a request or a response", .timeLimit(.minutes(1)))
struct OutboundChecksTests {
    @Test("Paths are percent-encoded so that any name makes a valid target", arguments: [
        ("/a b.jpg", "/a%20b.jpg"),
        ("/caf\u{E9}.jpg", "/caf%C3%A9.jpg"),
        ("/it's (1).jpg", "/it's%20(1).jpg"),
        ("/100%.jpg", "/100%25.jpg"),
        ("/a?b#c.jpg", "/a%3Fb%23c.jpg"),
        ("/line\r\nX-Evil: 1", "/line%0D%0AX-Evil:%201"),
        ("/images/1.jpg", "/images/1.jpg"),
        ("/:@!$&*+,;=-._~", "/:@!$&*+,;=-._~"),
    ])
    func encodePath(path: String, expected: String) {
        let encoded = PercentEncoding.encodePath(path)
        #expect(encoded == expected)
        #expect(HTTPRequestHead.isValidOutboundTarget(encoded))
        #expect(PercentEncoding.decode(Array(encoded.utf8)) == Array(path.utf8))
    }

    @Test("A malformed percent sign does not decode", arguments: ["%", "%4", "%4g", "a%zz"])
    func malformedDecoding(text: String) {
        #expect(PercentEncoding.decode(Array(text.utf8)) == nil)
    }

    @Test("Fields with a CR, LF, NUL or a name that is not a token are invalid", arguments: [
        ("X-Name", "plain value", true),
        ("X-Name", "tab\tand caf\u{E9}", true),
        ("X-Name", "a\r\nX-Evil: 1", false),
        ("X-Name", "nul\0", false),
        ("X Name", "value", false),
        ("", "value", false),
        ("X:Name", "value", false),
    ])
    func fieldValidity(name: String, value: String, expected: Bool) {
        #expect(HTTPFields.Field(name: name, value: value).isValid == expected)
    }

    @Test("The client sends nothing when the target or a field would break the request")
    func clientRefusesInvalidRequests() throws {
        let origin = try CountingOrigin { _ in .text(.ok, "ok") }
        let client = HTTPClient(upstream: origin.upstream)
        #expect(throws: HTTPClientError.invalidRequest("invalid request target")) {
            try client.send(method: .get, target: "/a b\r\nX-Evil: 1")
        }
        #expect(throws: HTTPClientError.invalidRequest("invalid header field X-Key")) {
            try client.send(method: .get, target: "/a", headerFields: ["X-Key": "k\r\nX-Evil: 1"])
        }
        #expect(HTTPClientError.invalidRequest("x").status == .internalServerError)
        #expect(origin.requests.isEmpty)
    }

    @Test("A response with an invalid field becomes a 500; the field is never written")
    func serverRefusesInvalidResponses() throws {
        let server = try TestServer(handler: ClosureHandler { _ in
            .text(.ok, "hello", headerFields: ["X-File": "name\r\nSet-Cookie: stolen=1"])
        })
        let client = try RawClient(port: server.port)
        try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 500)
        #expect(response.headerFields["Set-Cookie"] == nil)
        #expect(response.headerFields["X-File"] == nil)
    }
}
