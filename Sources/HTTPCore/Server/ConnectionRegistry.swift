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
final class ConnectionRegistry: Sendable {
    private struct Entry {
        let socket: Socket
        /// When the connection began waiting for a request; `nil` unless idle.
        var idleSince: ContinuousClock.Instant?
        /// When the first byte of the head being read arrived; `nil` unless reading a head.
        var headStartedAt: ContinuousClock.Instant?
        /// Set once the server closed the connection to make room.
        var isReclaimed = false
    }

    /// How long a request head may take before its connection counts as slow.
    let slowHeadAge: Duration

    /// An empty registry in which a head counts as slow after `slowHeadAge`.
    init(slowHeadAge: Duration = .seconds(1)) {
        self.slowHeadAge = slowHeadAge
    }

    private struct State {
        var entries: [Int: Entry] = [:]
        var nextID = 0
        /// Reclaimed connections whose threads have not ended yet.
        var reclaimsInFlight = 0
    }

    private let state = Lock(State())

    /// Adds a new connection, busy, and returns its identifier.
    func register(_ socket: Socket) -> Int {
        state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.entries[id] = Entry(socket: socket)
            return id
        }
    }

    /// Forgets a connection whose thread is ending.
    func unregister(_ id: Int) {
        state.withLock { state in
            if state.entries.removeValue(forKey: id)?.isReclaimed == true { state.reclaimsInFlight -= 1 }
        }
    }

    /// Marks the connection idle: it waits for the first byte of a request.
    func markIdle(_ id: Int) {
        state.withLock { state in
            state.entries[id]?.idleSince = .now
            state.entries[id]?.headStartedAt = nil
        }
    }

    /// Marks the connection as reading a request head that started arriving now.
    ///
    /// - Returns: `false` when the server closed it to make room: the request must not be read.
    func markReadingHead(_ id: Int) -> Bool {
        state.withLock { state in
            guard state.entries[id]?.isReclaimed == false else { return false }
            state.entries[id]?.idleSince = nil
            state.entries[id]?.headStartedAt = .now
            return true
        }
    }

    /// Marks the connection busy with a complete request head.
    ///
    /// - Returns: `false` when the server closed it to make room: the request must not be served.
    func markBusy(_ id: Int) -> Bool {
        state.withLock { state in
            guard state.entries[id]?.isReclaimed == false else { return false }
            state.entries[id]?.idleSince = nil
            state.entries[id]?.headStartedAt = nil
            return true
        }
    }

    /// Whether the server closed this connection to make room.
    func isReclaimed(_ id: Int) -> Bool {
        state.withLock { $0.entries[id]?.isReclaimed ?? false }
    }

    /// The number of open connections.
    var count: Int {
        state.withLock { $0.entries.count }
    }

    /// Closes the connection idle for longest, or else the one slowest to send its head, unless
    /// a connection closed this way is still on its way out (its slot will come back soon).
    ///
    /// - Returns: whether a connection was closed or is already closing.
    @discardableResult
    func reclaimLongestIdle() -> Bool {
        let victim: Socket? = state.withLock { state in
            guard state.reclaimsInFlight == 0 else { return nil }
            let slowSince = ContinuousClock.now - slowHeadAge
            var idle: (id: Int, since: ContinuousClock.Instant)?
            var slow: (id: Int, since: ContinuousClock.Instant)?
            for (id, entry) in state.entries where !entry.isReclaimed {
                if let since = entry.idleSince, since < idle?.since ?? .now {
                    idle = (id, since)
                } else if let since = entry.headStartedAt, since < slow?.since ?? slowSince {
                    slow = (id, since)
                }
            }
            guard let oldest = idle ?? slow else { return nil }
            state.entries[oldest.id]?.isReclaimed = true
            state.reclaimsInFlight += 1
            return state.entries[oldest.id]?.socket
        }
        guard let victim else { return state.withLock { $0.reclaimsInFlight > 0 } }
        victim.shutdown()
        return true
    }
}
