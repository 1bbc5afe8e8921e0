/// Reads one upstream connection: response heads, then bodies, through a reusable buffer.
struct UpstreamReader: Sendable {
    let socket: Socket
    let timeout: Duration
    /// Received bytes not yet consumed live in `buffer[start..<end]`.
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    private var start = 0
    private var end = 0

    init(socket: Socket, timeout: Duration) {
        self.socket = socket
        self.timeout = timeout
    }

    /// Whether bytes beyond what has been consumed were received.
    var hasUnconsumedBytes: Bool { start < end }

    /// Reads and parses the next response head.
    mutating func readHead(requestMethod: HTTPMethod) throws(HTTPClientError) -> (head: HTTPResponseHead, framing: HTTPBodyFraming) {
        let deadline = ContinuousClock.now + timeout
        while true {
            do {
                if let parsed = try HTTPResponseParser.parseHead(buffer[start..<end], requestMethod: requestMethod) {
                    start += parsed.headLength
                    return (parsed.head, parsed.framing)
                }
            } catch {
                throw .invalidResponse(error)
            }
            if try readMore(deadline: deadline) == 0 { throw .connectionClosed }
        }
    }

    /// Hands the body to `sink` piece by piece as it arrives, framed as `framing` says.
    ///
    /// - Throws: `HTTPClientError.truncatedBody` when the upstream closes early,
    ///   `.timedOut` when it stalls; whatever `sink` throws is passed on.
    mutating func readBody(_ framing: HTTPBodyFraming, into sink: (ArraySlice<UInt8>) throws -> Void) throws {
        switch framing {
        case .none:
            return
        // ANCHOR: content-length-body
        case .contentLength(var remaining):
            while remaining > 0 {
                if start == end, try readMore(deadline: .now + timeout) == 0 { throw HTTPClientError.truncatedBody }
                let piece = min(remaining, end - start)
                try sink(buffer[start..<(start + piece)])
                start += piece
                remaining -= piece
            }
        // ANCHOR_END: content-length-body
        case .chunked:
            var decoder = ChunkedDecoder()
            var decoded: [UInt8] = []
            while true {
                do {
                    start += try decoder.decode(buffer[start..<end], into: &decoded)
                } catch {
                    throw HTTPClientError.invalidResponse(error)
                }
                if !decoded.isEmpty {
                    try sink(decoded[...])
                    decoded.removeAll(keepingCapacity: true)
                }
                if decoder.isComplete { return }
                if try readMore(deadline: .now + timeout) == 0 { throw HTTPClientError.truncatedBody }
            }
        case .untilClose:
            while true {
                if start < end {
                    try sink(buffer[start..<end])
                    start = end
                }
                if try readMore(deadline: .now + timeout) == 0 { return }
            }
        }
    }

    /// Reads more bytes, reusing the buffer from its start once everything was consumed.
    private mutating func readMore(deadline: ContinuousClock.Instant) throws(HTTPClientError) -> Int {
        if start == end {
            start = 0
            end = 0
        } else if end == buffer.count {
            if start > 0 {
                buffer.replaceSubrange(0..<(end - start), with: buffer[start..<end])
                end -= start
                start = 0
            } else {
                buffer.append(contentsOf: repeatElement(0, count: buffer.count))
            }
        }
        do {
            let count = try buffer.withUnsafeMutableBytes { bytes in
                try socket.read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[end...]), deadline: deadline)
            }
            end += count
            return count
        } catch SocketError.timedOut {
            throw .timedOut
        } catch {
            throw .connectionClosed
        }
    }
}
