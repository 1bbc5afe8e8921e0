/// A parsed status line and header section of a response (RFC 9112 §4 and §5), as an upstream sent it.
public struct HTTPResponseHead: Sendable, Equatable {
    public var version: HTTPVersion
    /// The status code with the reason phrase as received, possibly empty (RFC 9112 §4).
    public var status: HTTPStatus
    public var headerFields: HTTPFields

    public init(version: HTTPVersion, status: HTTPStatus, headerFields: HTTPFields) {
        self.version = version
        self.status = status
        self.headerFields = headerFields
    }

    /// Whether the header fields let the connection be reused for another request
    /// (RFC 9112 §9.3): HTTP/1.1 unless `Connection: close`; HTTP/1.0 only with
    /// `Connection: keep-alive`. A response framed `.untilClose` can never be reused.
    public var shouldKeepAlive: Bool {
        headerFields.allowKeepAlive(in: version)
    }
}
