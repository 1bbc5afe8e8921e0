/// Reads one upstream connection: response heads, then bodies, through a reusable buffer.
struct UpstreamReader: Sendable {
    let socket: Socket
    let timeout: Duration
    private var received = ReceiveBuffer(capacity: 64 * 1024)

    init(socket: Socket, timeout: Duration) {
        self.socket = socket
        self.timeout = timeout
    }

    /// Whether bytes beyond what has been consumed were received.
    var hasUnconsumedBytes: Bool { !received.isEmpty }

    /// Reads and parses the next response head, which must be complete by `deadline`; `bytes` is
    /// the head exactly as received, status line to empty line.
    mutating func readHead(requestMethod: HTTPMethod, deadline: ContinuousClock.Instant)
        throws(HTTPClientError) -> (head: HTTPResponseHead, framing: HTTPBodyFraming, bytes: [UInt8]) {
        var parser = HTTPResponseParser(requestMethod: requestMethod)
        while true {
            do {
                if let parsed = try parser.parse(received.unconsumed) {
                    let bytes = Array(received.unconsumed.prefix(parsed.headLength))
                    received.consume(parsed.headLength)
                    return (parsed.head, parsed.framing, bytes)
                }
            } catch {
                throw .invalidResponse(error)
            }
            if try readMore(deadline: deadline, resetMeans: .connectionClosed) == 0 { throw .connectionClosed }
        }
    }

    /// Hands the body to `sink` piece by piece as it arrives, framed as `framing` says.
    ///
    /// - Throws: `HTTPClientError.truncatedBody` when the upstream closes early or resets the
    ///   connection (for a body delimited by the close too: RFC 9112 §8, only a clean close ends
    ///   it), `.timedOut` when it stalls; whatever `sink` throws is passed on.
    mutating func readBody(_ framing: HTTPBodyFraming, into sink: (ArraySlice<UInt8>) throws -> Void) throws {
        switch framing {
        case .none:
            return
        // ANCHOR: content-length-body
        case .contentLength(var remaining):
            while remaining > 0 {
                if received.isEmpty, try readBodyBytes() == 0 { throw HTTPClientError.truncatedBody }
                let piece = received.unconsumed.prefix(remaining)
                try sink(piece)
                received.consume(piece.count)
                remaining -= piece.count
            }
        // ANCHOR_END: content-length-body
        case .chunked:
            var decoder = ChunkedDecoder()
            var decoded: [UInt8] = []
            while true {
                do {
                    received.consume(try decoder.decode(received.unconsumed, into: &decoded))
                } catch {
                    throw HTTPClientError.invalidResponse(error)
                }
                if !decoded.isEmpty {
                    try sink(decoded[...])
                    decoded.removeAll(keepingCapacity: true)
                }
                if decoder.isComplete { return }
                if try readBodyBytes() == 0 { throw HTTPClientError.truncatedBody }
            }
        case .untilClose:
            while true {
                if !received.isEmpty {
                    try sink(received.unconsumed)
                    received.removeAll()
                }
                // Only a clean end of stream ends this body; a reset throws `truncatedBody`.
                if try readBodyBytes() == 0 { return }
            }
        }
    }

    /// Reads more body bytes, waiting at most `timeout` for them.
    private mutating func readBodyBytes() throws(HTTPClientError) -> Int {
        try readMore(deadline: .now + timeout, resetMeans: .truncatedBody)
    }

    /// Reads more bytes into the buffer, mapping socket failures to what they mean for a
    /// response: a timeout is `.timedOut`, a reset `resetMeans`, anything else `.connectionClosed`.
    private mutating func readMore(deadline: ContinuousClock.Instant,
                                   resetMeans reset: HTTPClientError) throws(HTTPClientError) -> Int {
        do {
            return try received.read(from: socket, deadline: deadline)
        } catch SocketError.timedOut {
            throw .timedOut
        } catch SocketError.connectionReset {
            throw reset
        } catch {
            throw .connectionClosed
        }
    }
}
