#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HTTPCore
import Synchronization

// ANCHOR: fleet-node
/// This cache as one node of a fleet: it applies every invalidation any node accepted, in the
/// order the fleet's log holds them, exactly once, and catches up on what it missed.
///
/// - An invalidation this node accepts is appended to the log and published (`publish`), then
///   applied here at once; the others apply it when the message arrives.
/// - The last record applied is remembered in a small file beside the cache (`statePath`), with
///   the fleet's id. At start, and after every reconnect, the node reads the records after it
///   and applies them before it answers from its cache again: meanwhile `gate` is closed, and
///   requests go to the upstream (`BYPASS`), so an image invalidated while this node was away is
///   never served from its old file.
/// - Redis unreachable: the cache keeps serving (the gate is open), `publish` throws (the admin
///   API answers `503`), and a reconnect is tried with a growing pause, up to 2 s.
/// - The subscription has a connection of its own, checked with a `PING` after 5 s of silence.
final class FleetNode: Service {
    let log: FleetLog
    let cache: ResponseCache
    let metrics: ProxyMetrics
    /// Open when requests may be answered from the cache.
    let gate: CacheGate
    /// The file that remembers the last record applied: `<fleet id> <sequence>`.
    let statePath: String
    private let report: @Sendable (String) -> Void

    /// What has been applied, under the lock every application takes: one at a time, in order.
    private struct Applied {
        var fleetID: String?
        var sequence = 0
    }
    private let applied: Mutex<Applied>
    private let isStopping = Atomic<Bool>(false)
    private let subscriber = Mutex<RESPConnection?>(nil)
    private let stopped = DispatchSemaphore(value: 0)
    /// Whether the node is connected and caught up (for tests and `/metrics`).
    let isConnected = Atomic<Bool>(false)

    init(log: FleetLog, cache: ResponseCache, metrics: ProxyMetrics, gate: CacheGate, statePath: String,
         report: @escaping @Sendable (String) -> Void) {
        self.log = log
        self.cache = cache
        self.metrics = metrics
        self.gate = gate
        self.statePath = statePath
        self.report = report
        var state = Applied()
        if let text = try? String(contentsOfFile: statePath, encoding: .utf8) {
            let parts = text.split(whereSeparator: \.isWhitespace)
            if parts.count == 2, let sequence = Int(parts[1]) { state = Applied(fleetID: String(parts[0]), sequence: sequence) }
        }
        applied = Mutex(state)
    }

    /// The sequence number of the last record applied here.
    var appliedSequence: Int { applied.withLock { $0.sequence } }

    // MARK: - Accepting an invalidation

    /// Appends `record` to the fleet's log (every node will apply it) and applies it here, after
    /// any record before it this node had not applied yet; the record with what it did here.
    func publish(_ record: InvalidationRecord) throws(RESPConnection.CallError) -> InvalidationRecord {
        try applied.withLock { applied throws(RESPConnection.CallError) -> InvalidationRecord in
            let sequence = try log.append(record: record)
            try catchUp(&applied, through: sequence - 1)
            var local = record
            apply(&local)
            applied.sequence = max(applied.sequence, sequence)
            saveState(applied)
            return local
        }
    }

    // MARK: - Applying the log

    /// Applies every record after the last one applied, up to `last` (all of them by default).
    private func catchUp(_ applied: inout Applied, through last: Int = .max) throws(RESPConnection.CallError) {
        let id = try log.fleetID()
        if applied.fleetID != id {
            // A new log (or this node's first): every record in it is new here. Applying one
            // twice drops nothing more, so starting over is safe.
            applied = Applied(fleetID: id, sequence: 0)
        }
        while applied.sequence < last {
            let entries = try log.entries(after: applied.sequence, limit: min(1_000, last - applied.sequence))
            guard !entries.isEmpty else { break }
            for (sequence, record) in entries {
                var local = record
                apply(&local)
                applied.sequence = sequence
            }
            saveState(applied)
        }
    }

    /// Applies `record` to this node's cache, and counts it.
    private func apply(_ record: inout InvalidationRecord) {
        record.doneInvalidations = []
        record.invalidatedImages = []
        cache.invalidate(&record)
        ProxyMetrics.increment(metrics.invalidations)
        ProxyMetrics.increment(metrics.invalidatedEntries, by: record.invalidatedImages.count)
        if let error = record.invalidationError { report("fleet: \(error)") }
    }

    /// Writes the state file: a temporary file renamed over it, so it is never half written.
    private func saveState(_ applied: Applied) {
        guard let id = applied.fleetID else { return }
        let temporary = statePath + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data("\(id) \(applied.sequence)\n".utf8)) else { return }
        rename(temporary, statePath)
    }

    // MARK: - The subscription (a Service)

    func start() {
        Thread { [self] in
            subscribe()
            stopped.signal()
        }.start()
    }

    func shutdown() {
        isStopping.store(true, ordering: .relaxed)
        subscriber.withLock { $0?.shutdown() }
    }

    func waitUntilStopped(timeout: Duration?) -> Bool {
        guard let timeout else {
            stopped.wait()
            return true
        }
        return stopped.wait(timeout: .now() + timeout.dispatchInterval) == .success
    }

    /// Subscribes, catches up, then applies what each message announces, until shut down; after
    /// a failure, closes the gate's wait (serving goes on), pauses, and starts over.
    private func subscribe() {
        var pause = Duration.milliseconds(100)
        var isFirstFailure = true
        while !isStopping.load(ordering: .relaxed) {
            do {
                let connection = try log.connect()
                subscriber.withLock { $0 = connection }
                try connection.send(["SUBSCRIBE", FleetLog.channel])
                _ = try connection.read(until: .now + connection.timeout)
                // Subscribed first, then caught up: a record accepted in between is both in the
                // log read now and announced, and applying it twice drops nothing more. The cache
                // loader must have read the directory first: until then the index does not know
                // every file an invalidation must delete.
                gate.close()
                while !cache.isLoaded, !isStopping.load(ordering: .relaxed) { Thread.sleep(forTimeInterval: 0.01) }
                try applied.withLock { applied throws(RESPConnection.CallError) in try catchUp(&applied) }
                gate.open()
                isConnected.store(true, ordering: .relaxed)
                if !isFirstFailure { report("fleet: connected to \(log.address) again, caught up to \(appliedSequence)") }
                (pause, isFirstFailure) = (.milliseconds(100), true)
                try listen(on: connection)
            } catch {
                gate.open()
                isConnected.store(false, ordering: .relaxed)
                guard !isStopping.load(ordering: .relaxed) else { break }
                if isFirstFailure {
                    report("fleet: \(log.address): \(error); serving from the local cache, retrying")
                    isFirstFailure = false
                }
                Thread.sleep(forTimeInterval: pause.timeInterval)
                pause = min(pause * 2, .seconds(2))
            }
        }
        isConnected.store(false, ordering: .relaxed)
    }

    /// Reads messages until the connection fails: each announces records to apply.
    private func listen(on connection: RESPConnection) throws(RESPConnection.CallError) {
        var pingSentAt: ContinuousClock.Instant?
        while !isStopping.load(ordering: .relaxed) {
            let message: RESPValue
            do {
                message = try connection.read(until: .now + .seconds(1))
            } catch .timedOut {
                if let sentAt = pingSentAt {
                    guard sentAt.duration(to: .now) < .seconds(5) else { throw .timedOut }
                } else {
                    try connection.send(["PING"])
                    pingSentAt = .now
                }
                continue
            }
            pingSentAt = nil
            // ["message", channel, payload] announces records; ["pong", ""] answers the PING.
            if case .array(let parts?) = message, parts.first?.text == "message" {
                try applied.withLock { applied throws(RESPConnection.CallError) in try catchUp(&applied) }
            }
        }
    }
}
// ANCHOR_END: fleet-node

/// Whether requests may be answered from the cache: closed while a fleet node catches up.
final class CacheGate: Sendable {
    private let isOpenNow = Atomic<Bool>(true)

    init(isOpen: Bool = true) {
        isOpenNow.store(isOpen, ordering: .relaxed)
    }

    var isOpen: Bool { isOpenNow.load(ordering: .acquiring) }
    func open() { isOpenNow.store(true, ordering: .releasing) }
    func close() { isOpenNow.store(false, ordering: .releasing) }
}
