import HTTPCore

/// A test client that sends exactly the bytes it is given and reads responses off the wire.
///
/// Unlike URLSession it does not fix up what it sends, so tests can send malformed heads,
/// pipelined requests and trickled bytes, and see exactly what the server answers.
public final class RawClient {
    /// One response as read off the wire.
    public struct Response: Sendable {
        public var head: HTTPResponseHead
        public var body: [UInt8]

        public var status: Int { head.status.code }
        public var headerFields: HTTPFields { head.headerFields }
        public var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    public let socket: Socket
    private var buffer: [UInt8] = []
    private let timeout: Duration

    /// Connects to `host:port` (`127.0.0.1` unless given, such as `::1`).
    public init(host: String = "127.0.0.1", port: Int, timeout: Duration = .seconds(10)) throws {
        socket = try Socket.connect(host: host, port: port, timeout: timeout)
        self.timeout = timeout
    }

    /// Sends `text` as UTF-8, byte for byte.
    public func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    /// Sends `bytes` as they are.
    public func send(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try socket.write($0, timeout: timeout) }
    }

    /// Reads one response to a request of `method`, framed as RFC 9112 §6.3 says.
    public func readResponse(to method: HTTPMethod = .get) throws -> Response {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let parsed = try HTTPResponseParser.parseHead(buffer[...], requestMethod: method) {
                buffer.removeFirst(parsed.headLength)
                let body = try readBody(parsed.framing, deadline: deadline)
                return Response(head: parsed.head, body: body)
            }
            guard try readMore(deadline: deadline) > 0 else { throw SocketError.connectionClosed }
        }
    }

    /// Reads until the server closes the connection; returns everything not yet consumed.
    public func readUntilClose() throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        while try readMore(deadline: deadline) > 0 {}
        defer { buffer.removeAll() }
        return buffer
    }

    /// Whether the server has closed the connection (reads end-of-file within `wait`).
    public func isClosedByServer(within wait: Duration = .seconds(5)) -> Bool {
        let deadline = ContinuousClock.now + wait
        while true {
            do {
                if try readMore(deadline: deadline) == 0 { return true }
            } catch SocketError.timedOut {
                return false
            } catch {
                return true
            }
        }
    }

    private func readBody(_ framing: HTTPBodyFraming, deadline: ContinuousClock.Instant) throws -> [UInt8] {
        switch framing {
        case .none:
            return []
        case .contentLength(let length):
            while buffer.count < length {
                guard try readMore(deadline: deadline) > 0 else { throw SocketError.connectionClosed }
            }
            defer { buffer.removeFirst(length) }
            return Array(buffer[..<length])
        case .chunked:
            var decoder = ChunkedDecoder()
            var body: [UInt8] = []
            while true {
                buffer.removeFirst(try decoder.decode(buffer[...], into: &body))
                if decoder.isComplete { return body }
                guard try readMore(deadline: deadline) > 0 else { throw SocketError.connectionClosed }
            }
        case .untilClose:
            while try readMore(deadline: deadline) > 0 {}
            defer { buffer.removeAll() }
            return buffer
        }
    }

    private func readMore(deadline: ContinuousClock.Instant) throws -> Int {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let count = try chunk.withUnsafeMutableBytes { try socket.read(into: $0, deadline: deadline) }
        buffer.append(contentsOf: chunk[..<count])
        return count
    }
}
