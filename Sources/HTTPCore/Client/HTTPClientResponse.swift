import Synchronization

/// An upstream's response: its head at once, its body read once, by whoever holds it.
///
/// Reading the whole body returns the connection to the client's pool when the upstream allows
/// keep-alive; a response whose body is never read (or only partly) takes its connection with
/// it when released, so a half-read connection is never reused.
public final class HTTPClientResponse: Sendable {
    public let head: HTTPResponseHead
    /// The head exactly as the upstream sent it, status line to empty line: what a cache file
    /// keeps (nginx stores the upstream's head as received, fields it hides from clients included).
    public let rawHead: [UInt8]
    /// How the upstream framed the body.
    public let framing: HTTPBodyFraming

    private let client: HTTPClient
    /// `nil` once the body has been read (or reading it failed).
    private let reader: Mutex<UpstreamReader?>

    init(head: HTTPResponseHead, rawHead: [UInt8], framing: HTTPBodyFraming, reader: UpstreamReader, client: HTTPClient) {
        self.head = head
        self.rawHead = rawHead
        self.framing = framing
        self.reader = Mutex(reader)
        self.client = client
    }

    public var status: HTTPStatus { head.status }
    public var headerFields: HTTPFields { head.headerFields }

    /// The body's length when the upstream announced it with `Content-Length`.
    public var contentLength: Int? {
        if case .contentLength(let length) = framing { length } else { nil }
    }

    // ANCHOR: read-body
    /// Hands the body to `sink` piece by piece while it arrives, without collecting it.
    ///
    /// - Throws: `HTTPClientError.truncatedBody` or `.timedOut` for upstream failures, or what
    ///   `sink` throws (the connection is then discarded).
    public func readBody(into sink: (ArraySlice<UInt8>) throws -> Void) throws {
        guard var reader = reader.withLock({ $0.take() }) else {
            preconditionFailure("the body of a response can be read only once")
        }
        try reader.readBody(framing, into: sink)
        // RFC 9112 §9.3: reuse only when both sides allow it and nothing extra arrived.
        if head.shouldKeepAlive, framing != .untilClose, !reader.hasUnconsumedBytes {
            client.checkIn(reader.socket)
        }
    }
    // ANCHOR_END: read-body

    /// The whole body, collected in memory.
    public func readWholeBody() throws -> [UInt8] {
        var body: [UInt8] = []
        // The length is the upstream's claim, not a fact: reserve at most 1 MiB up front, or one
        // absurd Content-Length would make the allocation (and the process) fail.
        if let length = contentLength { body.reserveCapacity(min(length, 1 << 20)) }
        try readBody { body.append(contentsOf: $0) }
        return body
    }
}
