import Synchronization

/// The server's open connections, and which of them are idle: what lets a server at its
/// connection cap make room for a new client instead of locking it out.
///
/// A connection may be closed to make room while it is *idle* (it waits for the first byte of a
/// request: a kept-alive connection between requests, or a new one that has sent nothing) or
/// while it is *slow* (it has been sending one request head for longer than `slowHeadAge`: a
/// slowloris client). When every slot is taken and a new client is waiting, the server closes
/// the connection idle for longest, or else the slowest head, as nginx closes idle keep-alive
/// connections when it runs out of `worker_connections`. A connection whose request head is
/// complete is never closed this way. Closing is `shutdown()`, which wakes the connection's
/// thread in `poll()`; the thread then ends and frees its slot.
///
/// Why a state object per connection with atomics: a connection changes phase two or three
/// times per request, and a lock shared by every connection would be taken that often by every
/// thread (measured: a fifth of a small HIT's throughput). The shared lock guards only the list,
/// which changes once per connection, and the rare search for a connection to close.
final class ConnectionRegistry: Sendable {
    /// One connection's phase, changed by its own thread and, to close it, by the accept loop.
    final class Connection: Sendable {
        fileprivate let socket: Socket
        /// A `Phase` raw value.
        fileprivate let phase = Atomic<Int>(Phase.busy.rawValue)
        /// When the current phase began, in nanoseconds since the registry was made.
        fileprivate let since = Atomic<Int64>(0)

        fileprivate init(socket: Socket) {
            self.socket = socket
        }

        /// Enters `phase` at `time` unless the server closed the connection; `false` if it did.
        fileprivate func enter(_ new: Phase, at time: Int64) -> Bool {
            since.store(time, ordering: .relaxed)
            var current = phase.load(ordering: .acquiring)
            while current != Phase.reclaimed.rawValue {
                let (exchanged, original) = phase.compareExchange(expected: current, desired: new.rawValue,
                                                                  ordering: .acquiringAndReleasing)
                if exchanged { return true }
                current = original
            }
            return false
        }
    }

    /// What a connection is doing.
    fileprivate enum Phase: Int {
        /// Reading a request's content, answering it, or writing the answer: never closed.
        case busy
        /// Waiting for the first byte of a request.
        case idle
        /// Receiving a request head.
        case readingHead
        /// Closed by the server to make room.
        case reclaimed
    }

    private struct State {
        var connections: [ObjectIdentifier: Connection] = [:]
        /// Connections closed to make room whose threads have not ended yet.
        var reclaimsInFlight = 0
    }

    private let state = Lock(State())
    /// How long a request head may take before its connection counts as slow.
    let slowHeadAge: Duration
    /// Where the time comes from.
    private let now: @Sendable () -> ContinuousClock.Instant
    /// The instant the connections' `since` values count from.
    private let start: ContinuousClock.Instant

    /// An empty registry in which a head counts as slow after `slowHeadAge`, reading the time
    /// from `now` (a test passes a clock it moves by hand).
    init(slowHeadAge: Duration = .seconds(1), now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.slowHeadAge = slowHeadAge
        self.now = now
        start = now()
    }

    /// Adds a new connection, busy, and returns its state.
    func register(_ socket: Socket) -> Connection {
        let connection = Connection(socket: socket)
        state.withLock { $0.connections[ObjectIdentifier(connection)] = connection }
        return connection
    }

    /// Forgets a connection whose thread is ending.
    func unregister(_ connection: Connection) {
        state.withLock { state in
            state.connections[ObjectIdentifier(connection)] = nil
            if connection.phase.load(ordering: .acquiring) == Phase.reclaimed.rawValue { state.reclaimsInFlight -= 1 }
        }
    }

    /// Marks the connection idle: it waits for the first byte of a request.
    func markIdle(_ connection: Connection) {
        _ = connection.enter(.idle, at: elapsed())
    }

    /// Marks the connection as reading a request head that started arriving now.
    ///
    /// - Returns: `false` when the server closed it to make room: the request must not be read.
    func markReadingHead(_ connection: Connection) -> Bool {
        connection.enter(.readingHead, at: elapsed())
    }

    /// Marks the connection busy with a complete request head.
    ///
    /// - Returns: `false` when the server closed it to make room: the request must not be served.
    func markBusy(_ connection: Connection) -> Bool {
        connection.enter(.busy, at: elapsed())
    }

    /// Whether the server closed this connection to make room.
    func isReclaimed(_ connection: Connection) -> Bool {
        connection.phase.load(ordering: .acquiring) == Phase.reclaimed.rawValue
    }

    /// Closes the connection idle for longest, or else the one slowest to send its head, unless
    /// a connection closed this way is still on its way out (its slot will come back soon).
    ///
    /// - Returns: whether a connection was closed or is already closing.
    @discardableResult
    func reclaimLongestIdle() -> Bool {
        let slowBefore = elapsed() - slowHeadAge.nanoseconds
        let victim: Socket? = state.withLock { state in
            guard state.reclaimsInFlight == 0 else { return nil }
            // A connection can change phase while it is looked at: retry the search if it did.
            while true {
                var idle: (connection: Connection, since: Int64)?
                var slow: (connection: Connection, since: Int64)?
                for connection in state.connections.values {
                    let since = connection.since.load(ordering: .relaxed)
                    switch connection.phase.load(ordering: .acquiring) {
                    case Phase.idle.rawValue where since < idle?.since ?? .max:
                        idle = (connection, since)
                    case Phase.readingHead.rawValue where since < slow?.since ?? slowBefore:
                        slow = (connection, since)
                    default:
                        continue
                    }
                }
                guard let chosen = idle ?? slow else { return nil }
                let expected = idle != nil ? Phase.idle : Phase.readingHead
                let (exchanged, _) = chosen.connection.phase.compareExchange(
                    expected: expected.rawValue, desired: Phase.reclaimed.rawValue, ordering: .acquiringAndReleasing)
                if exchanged {
                    state.reclaimsInFlight += 1
                    return chosen.connection.socket
                }
            }
        }
        guard let victim else { return state.withLock { $0.reclaimsInFlight > 0 } }
        victim.shutdown()
        return true
    }

    // MARK: - Time

    /// The time since the registry was made, in nanoseconds: a number an atomic holds.
    private func elapsed() -> Int64 {
        start.duration(to: now()).nanoseconds
    }
}
