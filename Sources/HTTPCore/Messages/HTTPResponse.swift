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
