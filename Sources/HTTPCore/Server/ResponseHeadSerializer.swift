/// Serializes a response's status line and header section (RFC 9112 §4 and §5).
///
/// The server owns the framing headers: whatever a handler put in `Content-Length`,
/// `Transfer-Encoding`, `Connection`, `Date` or `Server` is replaced here, so a handler can
/// never send a response whose framing disagrees with its body.
enum ResponseHeadSerializer {
    /// Header fields the server sets itself.
    private static let framingFields = ["Content-Length", "Transfer-Encoding", "Connection", "Date", "Server", "Keep-Alive"]

    /// The bytes of the head for `response`, ending with the empty line.
    ///
    /// - Parameters:
    ///   - date: the `Date` header's value.
    ///   - keepAlive: whether the connection stays open afterwards.
    ///   - requestVersion: HTTP/1.0 clients need `Connection: keep-alive` to keep it open.
    static func serialize(
        _ response: HTTPResponse,
        serverName: String,
        date: String,
        keepAlive: Bool,
        requestVersion: HTTPVersion
    ) -> [UInt8] {
        var head: [UInt8] = []
        head.reserveCapacity(256)
        head.append(contentsOf: "HTTP/1.1 \(response.status.code) \(response.status.reasonPhrase)\r\n".utf8)
        head.append(contentsOf: "Server: \(serverName)\r\nDate: \(date)\r\n".utf8)
        for field in response.headerFields where !framingFields.contains(where: field.name.equalsIgnoringASCIICase) {
            field.serialize(into: &head)
        }
        // RFC 9110 §8.6: no Content-Length on 1xx and 204; on 304 it would have to describe the
        // 200 response, so it is left out there too.
        if response.status.allowsContent {
            if let count = response.body.count {
                head.append(contentsOf: "Content-Length: \(count)\r\n".utf8)
            } else if requestVersion == .http1_1 {
                // RFC 9112 §7: a length not known in advance is sent chunked to an HTTP/1.1
                // client; an HTTP/1.0 one reads until the close (the caller passes keepAlive false).
                head.append(contentsOf: "Transfer-Encoding: chunked\r\n".utf8)
            }
        }
        if !keepAlive {
            head.append(contentsOf: "Connection: close\r\n".utf8)
        } else if requestVersion == .http1_0 {
            // RFC 9112 §9.3: an HTTP/1.0 client keeps the connection only when told so.
            head.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        head.append(contentsOf: "\r\n".utf8)
        return head
    }
}
