/// One client connection, served on its own thread from accept to close.
///
/// The loop reads a request head within a total deadline, reads (or rejects) its content,
/// asks the handler for a response, writes it, and repeats while keep-alive allows
/// (RFC 9112 §9.3). Pipelined requests are answered in order because bytes already read past
/// one request stay in the buffer for the next.
final class HTTPConnection {
    /// Why the loop stopped; only used to decide how to close.
    private enum Outcome {
        case keepAlive
        case close
        /// An error response was sent: close, but let the client read it first.
        case lingeringClose
    }

    private let socket: Socket
    private let remoteAddress: ClientAddress
    private let configuration: ServerConfiguration
    private let handler: any HTTPHandler
    private let isShuttingDown: @Sendable () -> Bool
    /// Where this connection says whether it is idle, so that a server at its cap can close it.
    private let registry: ConnectionRegistry
    private let registration: ConnectionRegistry.Connection

    /// Received bytes not yet consumed: a pipelined request waits here for its turn.
    // 16 KiB holds any ordinary head in one read; it grows only for large heads.
    private var received = ReceiveBuffer(capacity: 16 * 1024)
    private var dateHeader = DateHeader()

    init(socket: Socket, remoteAddress: ClientAddress, configuration: ServerConfiguration, handler: any HTTPHandler,
         registry: ConnectionRegistry, isShuttingDown: @escaping @Sendable () -> Bool) {
        self.socket = socket
        self.remoteAddress = remoteAddress
        self.configuration = configuration
        self.handler = handler
        self.registry = registry
        self.isShuttingDown = isShuttingDown
        registration = registry.register(socket)
    }

    deinit { registry.unregister(registration) }

    // MARK: - The connection loop

    // ANCHOR: connection-loop
    /// Serves requests until the client closes, an error occurs, or the server shuts down.
    func run() {
        var isFirstRequest = true
        while true {
            // The first request must start at once; later ones may wait out the idle timeout.
            let waitLimit = isFirstRequest ? configuration.headTimeout : configuration.idleTimeout
            guard waitForNextRequest(limit: waitLimit, isFirst: isFirstRequest) else { return }
            isFirstRequest = false
            switch serveOneRequest() {
            case .keepAlive: continue
            case .close: return
            case .lingeringClose: return closeLingering()
            }
        }
    }
    // ANCHOR_END: connection-loop

    /// Waits for the first byte of the next request, in short slices so an idle connection
    /// notices a graceful shutdown quickly; `false` when the connection should close instead.
    ///
    /// While it waits the connection is idle, and a server at its cap may close it. A new
    /// connection usually has its request waiting already: it is looked at first, so that it is
    /// never idle for a moment in which a flood of newcomers could close it. (Between kept-alive
    /// requests that look would cost a system call per request; there the client's retry covers
    /// the race, as RFC 9112 §9.3.1 expects of clients whose idle connection was closed.)
    private func waitForNextRequest(limit: Duration, isFirst: Bool) -> Bool {
        if !received.isEmpty { return registry.markReadingHead(registration) }  // a pipelined request is already here
        if isFirst, (try? socket.waitForInput(until: .now)) == true { return registry.markReadingHead(registration) }
        registry.markIdle(registration)
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if isShuttingDown() { return false }
            let slice = min(deadline, .now + .milliseconds(250))
            do {
                if try socket.waitForInput(until: slice) { return registry.markReadingHead(registration) }
            } catch {
                return false
            }
        }
        return false  // idle timeout: close without a response (RFC 9112 §9.5)
    }

    // ANCHOR: serve-one-request
    private func serveOneRequest() -> Outcome {
        let startTime = ContinuousClock.now
        let head: HTTPRequestHead
        let framing: HTTPBodyFraming
        let body: [UInt8]
        do {
            (head, framing) = try readHead(deadline: startTime + configuration.headTimeout)
            // Closed by the server to make room for a new client while the head was arriving.
            guard registry.markBusy(registration) else { return .close }
            body = try readBody(framing, head: head)
        } catch let error as HTTPParseError {
            if registry.isReclaimed(registration) { return .close }
            return answer(error, startTime: startTime)
        } catch {
            return .close  // the peer went away or a socket call failed: nobody to answer
        }

        let request = HTTPRequest(head: head, body: body, remoteAddress: remoteAddress)
        var response = handler.respond(to: request)
        // Outbound check: a field the handler made from a hostile name must not split the head.
        if response.headerFields.contains(where: { !$0.isValid }) {
            response = .text(.internalServerError, "the response had an invalid header field")
        }
        let keepAlive = head.shouldKeepAlive && !isShuttingDown()
        let delivery = send(response, method: head.method, version: head.version, keepAlive: keepAlive)
        log(head: head, status: response.status, bodyBytes: delivery.contentBytes, startTime: startTime)
        return delivery.isComplete && keepAlive ? .keepAlive : .close
    }
    // ANCHOR_END: serve-one-request

    // MARK: - Reading the head

    /// Reads until a complete head is buffered, then parses it and consumes its bytes.
    ///
    /// The parser resumes after each read where it stopped, so a head trickled in one byte at a
    /// time costs linear time, not quadratic.
    private func readHead(deadline: ContinuousClock.Instant) throws -> (HTTPRequestHead, HTTPBodyFraming) {
        var parser = HTTPRequestParser(limits: configuration.limits)
        while true {
            if let parsed = try parser.parse(received.unconsumed) {
                received.consume(parsed.headLength)
                return (parsed.head, parsed.framing)
            }
            let count: Int
            do {
                count = try readMore(deadline: deadline)
            } catch SocketError.timedOut {
                throw HTTPParseError.headTimeout
            }
            if count == 0 {
                // Part of a head and then the end: say why nothing more happens (the client may
                // still be reading). Nothing at all: the client just closed an idle connection.
                throw received.isEmpty ? SocketError.connectionClosed : HTTPParseError.incompleteRequest
            }
        }
    }

    /// Reads more bytes into the buffer.
    private func readMore(deadline: ContinuousClock.Instant) throws -> Int {
        try received.read(from: socket, deadline: deadline)
    }

    // MARK: - Reading the content

    /// Reads the request content the framing announces, so the next request starts in sync.
    ///
    /// - Throws: `HTTPParseError.contentTimeout` when the client sends no content bytes for
    ///   `ioTimeout`, `.incompleteRequest` when it ends its side before the content is complete.
    private func readBody(_ framing: HTTPBodyFraming, head: HTTPRequestHead) throws -> [UInt8] {
        switch framing {
        case .none, .untilClose:
            return []
        case .contentLength(let length):
            try sendContinueIfExpected(head, bodyAlreadyHere: !received.isEmpty)
            while received.count < length {
                try readMoreContent()
            }
            defer { received.consume(length) }
            return Array(received.unconsumed.prefix(length))
        case .chunked:
            try sendContinueIfExpected(head, bodyAlreadyHere: !received.isEmpty)
            var decoder = ChunkedDecoder(maxContentLength: configuration.limits.maxContentLength)
            var body: [UInt8] = []
            while true {
                received.consume(try decoder.decode(received.unconsumed, into: &body))
                if decoder.isComplete { return body }
                try readMoreContent()
            }
        }
    }

    /// Reads more request content, waiting at most `ioTimeout` for it (nginx's
    /// `client_body_timeout`, which nginx answers with 408 too).
    private func readMoreContent() throws {
        let count: Int
        do {
            count = try readMore(deadline: .now + configuration.ioTimeout)
        } catch SocketError.timedOut {
            throw HTTPParseError.contentTimeout
        }
        guard count > 0 else { throw HTTPParseError.incompleteRequest }
    }

    /// RFC 9110 §10.1.1: a client that sent `Expect: 100-continue` waits for an interim
    /// 100 response before sending the content (curl waits a whole second otherwise).
    private func sendContinueIfExpected(_ head: HTTPRequestHead, bodyAlreadyHere: Bool) throws {
        guard !bodyAlreadyHere, head.version == .http1_1,
              head.headerFields["Expect"]?.equalsIgnoringASCIICase("100-continue") == true else { return }
        let interim = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
        try interim.withUnsafeBytes { try socket.write($0, timeout: configuration.ioTimeout) }
    }

    // MARK: - Writing the response

    /// How much of a response went out.
    private struct Delivery {
        /// Whether the whole response was written.
        var isComplete: Bool
        /// The content bytes written (nginx's `$body_bytes_sent`), also when it broke off.
        var contentBytes: Int64
    }

    /// Writes `response`, the answer to a `method` request of `version`, and reports how much of
    /// it the client took.
    private func send(_ response: HTTPResponse, method: HTTPMethod, version: HTTPVersion, keepAlive: Bool) -> Delivery {
        // RFC 9110 §9.3.2 and §6.4.1: HEAD, 1xx, 204 and 304 responses end with the head.
        let sendsContent = method != .head && response.status.allowsContent
        // RFC 9112 §6.3 item 8: content of unknown length reaches an HTTP/1.0 client only by
        // closing the connection after it.
        let isCloseDelimited = sendsContent && response.body.count == nil && version == .http1_0
        let isChunked = sendsContent && response.body.count == nil && version == .http1_1
        let keepAlive = keepAlive && !isCloseDelimited
        let headBytes = ResponseHeadSerializer.serialize(response, serverName: configuration.serverName,
                                                         date: dateHeader.current(), keepAlive: keepAlive,
                                                         requestVersion: version)
        let timeout = configuration.ioTimeout
        var contentBytes: Int64 = 0
        do {
            try headBytes.withUnsafeBytes { headBuffer in
                switch sendsContent ? response.body : .empty {
                case .empty:
                    try socket.write(headBuffer, timeout: timeout)
                case .bytes(let bytes):
                    try bytes.withUnsafeBytes { try socket.write(headBuffer, $0, timeout: timeout) }
                    contentBytes = Int64(bytes.count)
                case let .file(file, offset, count):
                    try socket.writeHead(headBuffer, moreFollows: count > 0, timeout: timeout)
                    try socket.sendFile(file.descriptor, offset: offset, count: count, timeout: timeout)
                    contentBytes = count
                case let .stream(count, producer):
                    try socket.write(headBuffer, timeout: timeout)
                    try stream(count: count, isChunked: isChunked, from: producer, written: &contentBytes)
                }
            }
            return Delivery(isComplete: true, contentBytes: contentBytes)
        } catch {
            return Delivery(isComplete: false, contentBytes: contentBytes)
        }
    }

    /// Relays a streamed body, counting content bytes into `written`, in chunks when `isChunked`;
    /// throws unless the producer delivers exactly `count` bytes (when `count` is given) and
    /// finishes without an error.
    private func stream(count: Int64?, isChunked: Bool,
                        from producer: (_ write: (ArraySlice<UInt8>) throws -> Void) throws -> Void,
                        written: inout Int64) throws {
        let timeout = configuration.ioTimeout
        try producer { piece in
            if let count, written + Int64(piece.count) > count { throw SocketError.connectionClosed }
            guard !piece.isEmpty else { return }
            if isChunked {
                // RFC 9112 §7.1: chunk-size in hex, CRLF, the data, CRLF.
                let size = Array((String(piece.count, radix: 16) + "\r\n").utf8)
                try size.withUnsafeBytes { size in
                    try piece.withUnsafeBytes { data in
                        try Self.crlf.withUnsafeBytes { try socket.write(size, data, $0, timeout: timeout) }
                    }
                }
            } else {
                try piece.withUnsafeBytes { try socket.write($0, timeout: timeout) }
            }
            written += Int64(piece.count)
        }
        // Fewer bytes than Content-Length announced: only closing tells the client (RFC 9112 §8).
        if let count, written != count { throw SocketError.connectionClosed }
        // RFC 9112 §7.1: the last chunk and the empty trailer section end a chunked body; a body
        // that broke off never gets them, which is how the client knows it is incomplete.
        if isChunked { try Self.lastChunk.withUnsafeBytes { try socket.write($0, timeout: timeout) } }
    }

    private static let crlf: [UInt8] = [0x0D, 0x0A]
    private static let lastChunk = Array("0\r\n\r\n".utf8)

    /// Answers a request that could not be read with its status and reason, then closes.
    private func answer(_ error: HTTPParseError, startTime: ContinuousClock.Instant) -> Outcome {
        // A connection that never sent a byte of this request gets no 408: it just closes.
        if error == .headTimeout, received.isEmpty { return .close }
        let response = HTTPResponse.text(error.status, error.reason)
        let delivery = send(response, method: .get, version: .http1_1, keepAlive: false)
        log(head: nil, status: response.status, bodyBytes: delivery.contentBytes, startTime: startTime)
        return .lingeringClose
    }

    /// Closes after an error response without losing it: closing a socket with unread input
    /// makes the kernel send a reset, which can destroy the response before the client reads
    /// it. So stop sending, drain what the client still sends for a moment, then close
    /// (nginx's `lingering_close`).
    private func closeLingering() {
        socket.shutdownWrite()
        let deadline = ContinuousClock.now + .seconds(2)
        var drained = 0
        received.removeAll()
        while drained < 1 << 20, let count = try? readMore(deadline: deadline), count > 0 {
            drained += count
            received.removeAll()
        }
    }

    // MARK: - Logging

    private func log(head: HTTPRequestHead?, status: HTTPStatus, bodyBytes: Int64, startTime: ContinuousClock.Instant) {
        let requestLine = head.map { "\($0.method) \($0.target) \($0.version)" } ?? "-"
        configuration.accessLog.record(AccessLog.Entry(
            remoteAddress: remoteAddress, requestLine: requestLine, status: status.code,
            bodyBytes: bodyBytes, referer: head?.headerFields["Referer"],
            userAgent: head?.headerFields["User-Agent"], duration: startTime.duration(to: .now)))
    }
}
