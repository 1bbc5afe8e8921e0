import Synchronization

/// An HTTP/1.1 client for one upstream server, reusing idle keep-alive connections.
///
/// `send` writes a request and reads the response head; the body is then read, or streamed,
/// through the returned `HTTPClientResponse`. A connection goes back to the pool only after
/// its body was read completely and the upstream allowed keep-alive; after any error or a
/// `Connection: close` it is thrown away.
public final class HTTPClient: Sendable {
    public let upstream: UpstreamAddress
    /// How long establishing a connection may take.
    public let connectTimeout: Duration
    /// How long to wait for the response head, and for each read of the body (nginx's
    /// `proxy_read_timeout`, 60 s by default).
    public let responseTimeout: Duration
    /// The most idle connections kept for reuse.
    public let maxIdleConnections: Int

    private let idleConnections = Mutex<[Socket]>([])

    public init(upstream: UpstreamAddress, connectTimeout: Duration = .seconds(5),
                responseTimeout: Duration = .seconds(60), maxIdleConnections: Int = 64) {
        self.upstream = upstream
        self.connectTimeout = connectTimeout
        self.responseTimeout = responseTimeout
        self.maxIdleConnections = maxIdleConnections
    }

    // MARK: - Sending a request

    // ANCHOR: send
    /// Sends a request and reads the response head.
    ///
    /// The client frames the request itself: it adds `Host` (the upstream's `proxyHost`) unless
    /// `headerFields` has one, and `Content-Length` when there is a body or the method expects
    /// one (RFC 9110 §8.6). A target or field that could not be written as it is throws
    /// `invalidRequest` before anything is sent.
    public func send(method: HTTPMethod, target: String, headerFields: HTTPFields = [:],
                     body: [UInt8] = []) throws(HTTPClientError) -> HTTPClientResponse {
        // Outbound checks: nothing from a file name or a key may end the request line or the head early.
        guard HTTPRequestHead.isValidOutboundTarget(target) else { throw .invalidRequest("invalid request target") }
        if let field = headerFields.first(where: { !$0.isValid }) {
            throw .invalidRequest("invalid header field \(AccessLog.escape(field.name))")
        }
        let request = serialize(method: method, target: target, headerFields: headerFields, body: body)
        while true {
            let (socket, isReused) = try checkOut()
            do {
                return try exchange(request, on: socket, method: method)
            } catch .connectionClosed where isReused && method.isIdempotent {
                // The upstream closed this idle connection just as we reused it. Nothing of a
                // response arrived, so try a fresh one; a fresh connection is never retried, so
                // this loop ends. RFC 9112 §9.3.1: never retry a non-idempotent request (a POST
                // may have been processed before the connection closed).
                continue
            }
        }
    }
    // ANCHOR_END: send

    private func exchange(_ request: [UInt8], on socket: Socket, method: HTTPMethod) throws(HTTPClientError) -> HTTPClientResponse {
        // The response timeout bounds the time to the final head, however many interim 1xx
        // responses come first: a `100 Continue` every second must not keep a client waiting forever.
        let deadline = ContinuousClock.now + responseTimeout
        do {
            try request.withUnsafeBytes { try socket.write($0, timeout: responseTimeout) }
        } catch SocketError.timedOut {
            throw .timedOut
        } catch {
            throw .connectionClosed
        }
        var reader = UpstreamReader(socket: socket, timeout: responseTimeout)
        while true {
            let parsed = try reader.readHead(requestMethod: method, deadline: deadline)
            // RFC 9110 §15.2: skip interim 1xx responses; the final one follows.
            if (100..<200).contains(parsed.head.status.code) { continue }
            return HTTPClientResponse(head: parsed.head, rawHead: parsed.bytes, framing: parsed.framing, reader: reader, client: self)
        }
    }

    private func serialize(method: HTTPMethod, target: String, headerFields: HTTPFields, body: [UInt8]) -> [UInt8] {
        var head = Array("\(method) \(target) HTTP/1.1\r\n".utf8)
        if !headerFields.contains("Host") { head.append(contentsOf: "Host: \(upstream.proxyHost)\r\n".utf8) }
        for field in headerFields
        where !field.name.equalsIgnoringASCIICase("Content-Length") && !field.name.equalsIgnoringASCIICase("Transfer-Encoding") {
            field.serialize(into: &head)
        }
        if !body.isEmpty || [.post, .put, .patch].contains(method) {
            head.append(contentsOf: "Content-Length: \(body.count)\r\n".utf8)
        }
        head.append(contentsOf: "\r\n".utf8)
        return head + body
    }

    // MARK: - The connection pool

    // ANCHOR: pool
    /// An idle connection that still looks alive, or a new one.
    private func checkOut() throws(HTTPClientError) -> (Socket, isReused: Bool) {
        while let socket = idleConnections.withLock({ $0.popLast() }) {
            // An idle connection must have nothing to read: bytes there are a stray answer to no
            // request (they would be taken for the next request's answer), and end-of-file means
            // the upstream closed it while it sat in the pool. Either way it is dropped, as nginx
            // drops an idle upstream connection on which anything arrives.
            if (try? socket.waitForInput(until: .now)) == false { return (socket, true) }
        }
        do {
            return (try Socket.connect(host: upstream.host, port: upstream.port, timeout: connectTimeout), false)
        } catch {
            throw .connectFailed(error)
        }
    }

    /// Takes back a connection whose response was read completely and may be reused.
    func checkIn(_ socket: Socket) {
        idleConnections.withLock { idle in
            if idle.count < maxIdleConnections { idle.append(socket) }
        }
    }
    // ANCHOR_END: pool
}
