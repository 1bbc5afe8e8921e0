import Foundation
import HTTPCore
import Synchronization

/// A raw origin that answers every connection with the same bytes, for upstream behaviour an
/// `HTTPServer` never produces: chunked bodies, bodies that end without framing or break off,
/// garbage instead of a status line, or no answer at all.
///
/// For each connection it reads one request head, records its request line, writes `reply`
/// exactly as given and closes the connection. It serves on a free port of 127.0.0.1 until
/// released.
public final class ScriptedOrigin: Sendable {
    /// The request lines received so far, shared with the connection threads.
    private final class Record: Sendable {
        let requestLines = Mutex<[String]>([])
    }

    /// The port the origin listens on.
    public let port: Int
    private let listener: Socket
    private let record = Record()

    /// Starts answering every connection with `reply`.
    public init(reply: [UInt8]) throws {
        listener = try Socket.listen(host: "127.0.0.1", port: 0)
        port = listener.localPort
        let (listener, record) = (self.listener, self.record)
        let thread = Thread {
            // Ends when `deinit` shuts the listener down and `accept` throws.
            while let accepted = try? listener.accept() {
                Thread { Self.answer(accepted.socket, with: reply, record: record) }.start()
            }
        }
        thread.start()
    }

    /// Starts answering every connection with the UTF-8 bytes of `reply`.
    public convenience init(reply: String) throws {
        try self.init(reply: Array(reply.utf8))
    }

    deinit { listener.shutdown() }

    /// The origin as a proxy under test names its upstream, `http://127.0.0.1:PORT`.
    public var upstream: UpstreamAddress { UpstreamAddress(host: "127.0.0.1", port: port) }

    /// The request lines received so far, e.g. `GET /1.jpg HTTP/1.1`, in order.
    public var requestLines: [String] {
        record.requestLines.withLock { $0 }
    }

    /// Reads one request head from `connection`, records it, writes `reply` and closes.
    private static func answer(_ connection: Socket, with reply: [UInt8], record: Record) {
        let deadline = ContinuousClock.now + .seconds(10)
        let endOfHead = Array("\r\n\r\n".utf8)
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !received.suffix(endOfHead.count).elementsEqual(endOfHead) {
            let count = (try? chunk.withUnsafeMutableBytes { try connection.read(into: $0, deadline: deadline) }) ?? 0
            guard count > 0 else { return }
            received += chunk[..<count]
        }
        let requestLine = received.split(separator: UInt8(ascii: "\r"), maxSplits: 1).first ?? []
        record.requestLines.withLock { $0.append(String(decoding: requestLine, as: UTF8.self)) }
        try? reply.withUnsafeBytes { try connection.write($0, timeout: .seconds(10)) }
        connection.shutdownWrite()
    }
}
