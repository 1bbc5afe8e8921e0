import HTTPCore

// ANCHOR: resp-connection
/// One connection to Redis: commands out, replies in, each call within a deadline.
///
/// Not safe to share between threads: `FleetLog` keeps its command connection under a lock, and
/// the subscriber has a connection of its own (a subscribed connection takes no other command).
final class RESPConnection: @unchecked Sendable {
    // @unchecked: one thread at a time uses a connection (see above); `shutdown()`, which only
    // shuts the socket down, may come from another.
    /// Why a call failed; each case is one line for the log or an answer's reason.
    enum CallError: Error, Equatable, CustomStringConvertible {
        case unreachable(String)
        case timedOut
        /// The server closed the connection, mid-reply or between replies.
        case closed
        case malformed(RESPParser.Malformed)
        /// Redis answered with an error reply (`-ERR …`, `-NOAUTH …`).
        case server(String)

        var description: String {
            switch self {
            case .unreachable(let reason): "cannot connect: \(reason)"
            case .timedOut: "no answer in time"
            case .closed: "the connection was closed"
            case .malformed(let reason): "not a Redis reply: \(reason)"
            case .server(let message): message
            }
        }
    }

    private let socket: Socket
    private var buffer: [UInt8] = []
    /// How long a call may take, from its first byte sent to its reply's last byte.
    let timeout: Duration

    /// Connects to `host:port`; with `password`, authenticates (`AUTH`); with a `database` other
    /// than 0, selects it (`SELECT`).
    init(host: String, port: Int, password: String? = nil, database: Int = 0, timeout: Duration = .seconds(2)) throws(CallError) {
        do {
            socket = try Socket.connect(host: host, port: port, timeout: timeout)
        } catch {
            throw .unreachable("\(host):\(port): \(error)")
        }
        self.timeout = timeout
        if let password { try expectOK(call(["AUTH", password])) }
        if database != 0 { try expectOK(call(["SELECT", String(database)])) }
    }

    /// Sends one command and reads its reply; an error reply throws `.server`.
    func call(_ arguments: [String]) throws(CallError) -> RESPValue {
        try send(arguments)
        let reply = try read(until: .now + timeout)
        if case .error(let message) = reply { throw .server(message) }
        return reply
    }

    /// Sends one command without reading a reply (`SUBSCRIBE`, whose replies are messages).
    func send(_ arguments: [String]) throws(CallError) {
        let bytes = RESPValue.command(arguments)
        do {
            try bytes.withUnsafeBytes { try socket.write($0, timeout: timeout) }
        } catch {
            throw (error as? SocketError) == .timedOut ? .timedOut : .closed
        }
    }

    /// Reads the next whole value, waiting until `deadline`.
    func read(until deadline: ContinuousClock.Instant) throws(CallError) -> RESPValue {
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            do {
                if let (value, length) = try RESPParser.parse(buffer[...]) {
                    buffer.removeFirst(length)
                    return value
                }
            } catch {
                throw .malformed(error)
            }
            let count: Int
            do {
                count = try chunk.withUnsafeMutableBytes { try socket.read(into: $0, deadline: deadline) }
            } catch {
                throw (error as? SocketError) == .timedOut ? .timedOut : .closed
            }
            guard count > 0 else { throw .closed }
            buffer += chunk[..<count]
        }
    }

    /// Closes both directions: a thread blocked reading this connection wakes up.
    func shutdown() {
        socket.shutdown()
    }

    private func expectOK(_ reply: RESPValue) throws(CallError) {
        guard reply == .simpleString("OK") else { throw .server("unexpected reply \(reply)") }
    }
}
// ANCHOR_END: resp-connection
