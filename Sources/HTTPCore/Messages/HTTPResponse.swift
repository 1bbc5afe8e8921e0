/// A response a handler returns: status, header fields, and a body to send.
///
/// The server adds `Date`, `Server`, `Content-Length` and `Connection` itself, and sends no
/// content for HEAD, 1xx, 204 and 304 while keeping the Content-Length a GET would get
/// (RFC 9110 §9.3.2, §8.6).
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headerFields: HTTPFields
    public var body: HTTPResponseBody

    public init(status: HTTPStatus, headerFields: HTTPFields = [:], body: HTTPResponseBody = .empty) {
        self.status = status
        self.headerFields = headerFields
        self.body = body
    }

    /// A short plain-text answer, one line ending in a newline: the form every error takes.
    public static func text(_ status: HTTPStatus, _ message: String, headerFields: HTTPFields = [:]) -> HTTPResponse {
        var fields = headerFields
        fields["Content-Type"] = "text/plain; charset=utf-8"
        return HTTPResponse(status: status, headerFields: fields, body: .bytes(Array((message + "\n").utf8)))
    }
}

/// What follows a response head.
public enum HTTPResponseBody: Sendable {
    /// No content: Content-Length 0 where the status allows content.
    case empty
    /// Content held in memory.
    case bytes([UInt8])
    /// `count` bytes of an open file from `offset`, sent with `sendfile(2)`.
    case file(OpenFile, offset: Int64, count: Int64)
    /// Bytes produced while the response is sent, such as a body relayed from an upstream as it
    /// arrives: exactly `count` bytes, or, when `count` is `nil`, as many as the producer hands
    /// over (sent chunked to an HTTP/1.1 client, and ended by closing the connection for an
    /// HTTP/1.0 one). The producer hands pieces to `write`; if it throws, or produces a number of
    /// bytes other than `count`, the server closes the connection without ending the body
    /// properly, so the client can tell the response is incomplete. It is not called for HEAD,
    /// 204 or 304 responses.
    case stream(count: Int64?, producer: @Sendable (_ write: (ArraySlice<UInt8>) throws -> Void) throws -> Void)

    /// The number of content bytes this body sends, or `nil` when it is not known in advance.
    public var count: Int64? {
        switch self {
        case .empty: 0
        case .bytes(let bytes): Int64(bytes.count)
        case .file(_, _, let count): count
        case .stream(let count, _): count
        }
    }
}
