import Dispatch

extension Duration {
    /// The duration in whole nanoseconds, as the C and Dispatch APIs take time.
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// The duration in seconds, as Foundation's `TimeInterval` takes it (`Thread.sleep`,
    /// `NSCondition.wait(until:)`).
    public var timeInterval: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// The duration as a Dispatch interval, for semaphores, groups and timers.
    public var dispatchInterval: DispatchTimeInterval {
        .nanoseconds(Int(clamping: nanoseconds))
    }
}
