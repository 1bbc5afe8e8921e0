#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HTTPCore
import Synchronization

/// A raw origin whose every connection runs a script: for upstream misbehaviour over time, such
/// as a stray response written on an idle keep-alive connection, a body that ends in a reset, or
/// interim responses that never stop.
///
/// Each accepted connection runs `script` on a thread of its own with a `RawConnection`; the
/// connection closes when the script returns (with a reset if the script asked for one).
public final class RawOrigin: Sendable {
    /// The port the origin listens on.
    public let port: Int
    private let listener: Socket
    private final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    private let accepted = Counter()

    /// Starts running `script` for every connection; `script` gets the connection's number (from 0).
    public init(script: @escaping @Sendable (_ connection: RawConnection, _ number: Int) -> Void) throws {
        listener = try Socket.listen(host: "127.0.0.1", port: 0)
        port = listener.localPort
        let listener = self.listener
        let accepted = self.accepted
        Thread {
            // Ends when `deinit` shuts the listener down and `accept` throws.
            while let connection = try? listener.accept() {
                let number = accepted.value.add(1, ordering: .relaxed).oldValue
                Thread { script(RawConnection(socket: connection.socket), number) }.start()
            }
        }.start()
    }

    deinit { listener.shutdown() }

    /// The origin as a proxy under test names its upstream, `http://127.0.0.1:PORT`.
    public var upstream: UpstreamAddress { UpstreamAddress(host: "127.0.0.1", port: port) }

    /// How many connections were accepted so far.
    public var connectionCount: Int { accepted.value.load(ordering: .relaxed) }
}

/// One connection of a `RawOrigin`, read and written by its script.
public final class RawConnection {
    public let socket: Socket
    private var buffer: [UInt8] = []

    init(socket: Socket) {
        self.socket = socket
    }

    /// Reads one request head (and no body) and returns its request line; `nil` when the
    /// peer closes first or nothing arrives within `timeout`.
    public func readRequestLine(timeout: Duration = .seconds(10)) -> String? {
        let deadline = ContinuousClock.now + timeout
        let endOfHead = Array("\r\n\r\n".utf8)
        while true {
            if let end = buffer.firstRange(of: endOfHead) {
                let head = buffer[..<end.lowerBound]
                buffer.removeFirst(end.upperBound)
                return String(decoding: head.prefix { $0 != 13 }, as: UTF8.self)
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = (try? chunk.withUnsafeMutableBytes { try socket.read(into: $0, deadline: deadline) }) ?? 0
            guard count > 0 else { return nil }
            buffer += chunk[..<count]
        }
    }

    /// Writes `text` as UTF-8; `false` when the peer went away (or took nothing for 2 s).
    @discardableResult
    public func write(_ text: String) -> Bool {
        write(Array(text.utf8))
    }

    /// Writes `bytes`; `false` when the peer went away (or took nothing for 2 s).
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        (try? bytes.withUnsafeBytes { try socket.write($0, timeout: .seconds(2)) }) != nil
    }

    /// Makes the connection end with a reset (RST) instead of a clean close when it is released:
    /// `SO_LINGER` with a zero timeout.
    public func resetWhenClosed() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(socket.descriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }
}
