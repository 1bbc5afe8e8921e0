import Foundation
import HTTPCore
import Synchronization

/// A stub origin for proxy tests: answers from a table of routes or from a closure, and records
/// every request it receives, so a test asserts what reached the origin instead of assuming it.
///
/// It serves on a free port of 127.0.0.1 until `stop()` or until released. Requests that came
/// over one connection share a `remoteAddress` (the proxy's side of that connection), so a test
/// can also tell whether the proxy reused its upstream connections.
public final class CountingOrigin: Sendable {
    /// One request as the origin received it.
    public struct ReceivedRequest: Sendable, Equatable {
        public var method: HTTPMethod
        /// The request target exactly as received, e.g. `/%31.jpg?w=100`.
        public var target: String
        public var headerFields: HTTPFields
        public var body: [UInt8]
        /// The peer's `ip:port`: one value per connection.
        public var remoteAddress: String
        /// The request's HTTP version: nginx asks upstreams with HTTP/1.0, the steps with HTTP/1.1.
        public var version: HTTPVersion = .http1_1
    }

    /// The requests received so far, in order, shared with the handler.
    private final class Record: Sendable {
        let requests = Mutex<[ReceivedRequest]>([])
    }

    private let record: Record
    private let server: TestServer

    /// An origin that answers each request with `respond(request)`, after waiting `delay`.
    ///
    /// The request is recorded when it arrives, before the delay, so a request whose answer the
    /// proxy gave up waiting for is still counted.
    public init(delay: Duration = .zero, respond: @escaping @Sendable (HTTPRequest) -> HTTPResponse) throws {
        let record = Record()
        self.record = record
        server = try TestServer(handler: ClosureHandler { request in
            let received = ReceivedRequest(method: request.method, target: request.target, headerFields: request.headerFields,
                                           body: request.body, remoteAddress: request.remoteAddress?.description ?? "-",
                                           version: request.head.version)
            record.requests.withLock { $0.append(received) }
            if delay > .zero {
                let (seconds, attoseconds) = delay.components
                Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) / 1e18)
            }
            return respond(request)
        }, configuration: ServerConfiguration(serverName: "CountingOrigin", accessLog: .disabled))
    }

    /// An origin that answers each raw target in `routes` with its response, and anything else
    /// with `404 Not Found`, after waiting `delay`.
    public convenience init(delay: Duration = .zero, routes: [String: HTTPResponse]) throws {
        try self.init(delay: delay) { request in
            routes[request.target] ?? .text(.notFound, "no route for \(request.target)")
        }
    }

    /// The port the origin listens on.
    public var port: Int { server.port }

    /// The origin as a proxy under test names its upstream, `http://127.0.0.1:PORT`.
    public var upstream: UpstreamAddress { UpstreamAddress(host: "127.0.0.1", port: port) }

    /// Every request received so far, in the order they arrived.
    public var requests: [ReceivedRequest] {
        record.requests.withLock { $0 }
    }

    /// How many requests for exactly this raw target arrived, whatever their method.
    public func count(of target: String) -> Int {
        record.requests.withLock { requests in requests.count(where: { $0.target == target }) }
    }

    /// Stops serving; connections in flight finish first (bounded, see `TestServer.stop()`).
    public func stop() { server.stop() }

    // MARK: - Responses for misbehaviour

    /// A response that announces `announcedLength` bytes of content, sends only `body` (which
    /// must be shorter) and then closes the connection: an upstream that dies mid-body.
    public static func truncatedResponse(status: HTTPStatus = .ok, headerFields: HTTPFields = [:], body: [UInt8],
                                         announcedLength: Int) -> HTTPResponse {
        precondition(body.count < announcedLength, "a truncated body is shorter than its announced length")
        return HTTPResponse(status: status, headerFields: headerFields, body: .stream(count: Int64(announcedLength)) { write in
            try write(body[...])
            // The server closes the connection when a stream delivers fewer bytes than announced.
        })
    }
}
