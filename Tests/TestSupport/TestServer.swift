import HTTPCore

/// A server on `127.0.0.1` and a free port, for one test; stopped by `stop()` or on release.
///
/// Tests run in parallel, so each one starts its own server on port 0 and reads the port back.
public final class TestServer: Sendable {
    public let server: HTTPServer

    /// Starts `handler` on a free port; the access log is off unless `configuration` says otherwise.
    public init(handler: some HTTPHandler, configuration: ServerConfiguration = ServerConfiguration(accessLog: .disabled)) throws {
        var configuration = configuration
        configuration.host = "127.0.0.1"
        configuration.port = 0
        server = try HTTPServer(configuration: configuration, handler: handler)
        server.start()
    }

    public var port: Int { server.port }
    public var url: String { server.url }

    /// Stops accepting and waits (bounded) for connections to finish.
    public func stop() {
        server.shutdown()
        server.waitUntilStopped(timeout: .seconds(5))
    }

    deinit { stop() }
}

/// A handler made from a closure, for tests that need a one-off behaviour.
public struct ClosureHandler: HTTPHandler {
    private let body: @Sendable (HTTPRequest) -> HTTPResponse

    public init(_ body: @escaping @Sendable (HTTPRequest) -> HTTPResponse) { self.body = body }

    public func respond(to request: HTTPRequest) -> HTTPResponse { body(request) }
}
