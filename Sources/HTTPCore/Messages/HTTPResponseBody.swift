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
