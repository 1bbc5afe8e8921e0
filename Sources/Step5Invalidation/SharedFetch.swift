import Foundation
import HTTPCore

// ANCHOR: shared-fetch
/// One upstream answer on its way, shared by every miss of its key that arrives meanwhile:
/// Imcaxy's "DataHub", nginx's `proxy_cache_lock`, but streaming. The first miss (the leader)
/// asks the upstream and relays its answer to its own client; each later one (a follower) gets
/// the same status and fields, then the body from its first byte, while it arrives.
///
/// The rules, which Imcaxy's DataHub gets wrong in part:
/// - an upstream that fails before its head gives every follower the leader's `502` or `504`;
/// - a body that breaks off closes every follower's connection where it stands, as the
///   leader's is closed: each client can tell its response is incomplete, but the bytes it
///   already has were right (Imcaxy fails readers even for bytes already received);
/// - an answer that may not be stored (`Cache-Control: private`, `no-store`…) is not shared
///   either: followers then ask the upstream themselves, as nginx's waiters do;
/// - memory: the body is kept from the slowest follower's position on, at most `window` bytes.
///   The leader waits for a follower that falls further behind, for at most `stallTimeout`, then
///   closes that follower's connection. Once bytes were dropped from the start, no follower can
///   join (it would need byte 0): a later miss asks the upstream itself.
///
/// Safe to share between the connection threads: every field is guarded by `condition`.
final class SharedFetch: @unchecked Sendable {
    /// What a follower answers with, once the leader knows.
    enum Outcome: Sendable {
        /// The upstream's head: relay it, and the body through `read(after:)`.
        case head(status: HTTPStatus, headerFields: HTTPFields, count: Int64?, hasBody: Bool)
        /// The upstream failed before its head: answer with the leader's error response too.
        case failed(HTTPResponse)
        /// The answer is not shared (not storable), or never came in time: ask the upstream yourself.
        case notShared
    }

    /// Thrown to a follower whose body cannot go on: the upstream broke off, or it fell too far behind.
    struct BrokenOff: Error {}

    /// The last purge or invalidation before the leader asked the upstream: a follower arriving
    /// after a later one of its key must not get this older answer.
    let purgeEpoch: UInt64
    let window: Int
    let stallTimeout: Duration

    private let condition = NSCondition()
    private var outcome: Outcome?
    /// The body bytes from `dropped` to `dropped + buffer.count`.
    private var buffer: [UInt8] = []
    private var dropped = 0
    private var isFinished = false
    private var isBrokenOff = false
    /// The position of each follower reading the body, by ticket number.
    private var readers: [Int: Int] = [:]
    private var nextTicket = 0

    init(purgeEpoch: UInt64, window: Int = 1 << 20, stallTimeout: Duration = .seconds(60)) {
        self.purgeEpoch = purgeEpoch
        self.window = window
        self.stallTimeout = stallTimeout
    }

    // MARK: - The leader's side

    /// Tells the followers how to answer: called once, before any body byte.
    func publish(_ outcome: Outcome) {
        condition.withLock {
            self.outcome = outcome
            if case .head = outcome {} else { isFinished = true }
            condition.broadcast()
        }
    }

    /// Adds the next piece of the body; waits while a follower is more than `window` bytes behind.
    func append(_ piece: ArraySlice<UInt8>) {
        condition.withLock {
            buffer += piece
            condition.broadcast()
            let deadline = Date.now.addingTimeInterval(stallTimeout.timeInterval)
            while let slowest = readers.values.min(), dropped + buffer.count - slowest > window {
                guard condition.wait(until: deadline) else {
                    // Still that far behind: those followers' connections are closed.
                    readers = readers.filter { dropped + buffer.count - $0.value <= window }
                    condition.broadcast()
                    break
                }
            }
            // Bytes every follower has passed are no longer needed, once the buffer is over its window.
            if buffer.count > window {
                let passed = (readers.values.min() ?? dropped + buffer.count) - dropped
                buffer.removeFirst(passed)
                dropped += passed
            }
        }
    }

    /// The followers that have joined so far, reading or not.
    var followerCount: Int {
        condition.withLock { nextTicket }
    }

    /// Whether a follower is reading the body: if not, a leader whose client went away may stop.
    var hasReaders: Bool {
        condition.withLock { !readers.isEmpty }
    }

    /// Whether a follower reads the body, or may still join to read it from byte 0: if neither,
    /// the rest of the body is of no use to followers.
    var mayStillBeRead: Bool {
        condition.withLock { !readers.isEmpty || dropped == 0 }
    }

    /// The body is complete.
    func finish() {
        condition.withLock {
            isFinished = true
            condition.broadcast()
        }
    }

    /// The body broke off, or the leader's relay ended before it: followers' connections close.
    func breakOff() {
        condition.withLock {
            guard !isFinished else { return }
            isBrokenOff = true
            isFinished = true
            if outcome == nil { outcome = .notShared }
            condition.broadcast()
        }
    }

    // MARK: - A follower's side

    /// A follower's place in the fetch; leaving (or being released) lets the leader go on without it.
    final class Ticket: Sendable {
        let fetch: SharedFetch
        let number: Int
        fileprivate init(fetch: SharedFetch, number: Int) {
            self.fetch = fetch
            self.number = number
        }
        deinit { fetch.leave(number) }
    }

    /// Joins as a follower that reads the body (`readsBody`) or only the head (a HEAD); `nil`
    /// when joining is too late: bytes were already dropped from the start, or the fetch ended.
    func join(readsBody: Bool) -> Ticket? {
        condition.withLock {
            guard dropped == 0, !isFinished || outcome != nil, !isBrokenOff else { return nil }
            nextTicket += 1
            if readsBody { readers[nextTicket] = 0 }
            return Ticket(fetch: self, number: nextTicket)
        }
    }

    /// Waits, at most until `deadline`, for the leader to say how to answer.
    func waitForOutcome(until deadline: ContinuousClock.Instant) -> Outcome {
        condition.withLock {
            while outcome == nil {
                let remaining = ContinuousClock.now.duration(to: deadline)
                guard remaining > .zero, condition.wait(until: Date.now.addingTimeInterval(remaining.timeInterval)) || outcome != nil
                else { return .notShared }
            }
            return outcome!
        }
    }

    /// The body bytes after the first `offset`, waiting for them; `nil` at the body's end.
    func read(_ ticket: Ticket, after offset: Int) throws(BrokenOff) -> [UInt8]? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            guard readers[ticket.number] != nil, !isBrokenOff else { throw BrokenOff() }
            if offset < dropped + buffer.count {
                readers[ticket.number] = dropped + buffer.count
                condition.broadcast()
                return Array(buffer[(offset - dropped)...])
            }
            if isFinished { return nil }
            condition.wait()
        }
    }

    private func leave(_ number: Int) {
        condition.withLock {
            readers[number] = nil
            condition.broadcast()
        }
    }
}
// ANCHOR_END: shared-fetch
