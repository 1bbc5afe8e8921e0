/// The application side of a server: turns one request into one response.
///
/// Called on the connection's own thread, so it may block (read a file, ask an upstream).
/// It never throws: every failure is already a response with a status.
public protocol HTTPHandler: Sendable {
    /// The response to `request`.
    func respond(to request: HTTPRequest) -> HTTPResponse
}
