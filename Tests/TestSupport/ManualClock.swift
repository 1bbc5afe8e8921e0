import Synchronization

/// A clock a test moves by hand: `now` starts at the real current instant and only moves when
/// `advance(by:)` is called, so a test of expiry waits no time at all.
public final class ManualClock: Sendable {
    private let start = ContinuousClock.now
    private let elapsed = Mutex(Duration.zero)

    public init() {}

    /// The clock's current instant.
    public var now: ContinuousClock.Instant {
        start + elapsed.withLock { $0 }
    }

    /// Moves the clock forward by `duration`.
    public func advance(by duration: Duration) {
        elapsed.withLock { $0 += duration }
    }
}
