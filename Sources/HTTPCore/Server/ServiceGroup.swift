#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// Several services run as one program under one graceful shutdown: a proxy's listener, an
/// admin listener, a background sweep. (hummingbird's `ServiceGroup` is the model.)
///
/// `run` starts them in order, waits for SIGINT or SIGTERM, then shuts all of them down at once
/// and gives them one grace period together to finish what is in flight. A group is a `Service`
/// itself, so tests drive it with `start()`, `shutdown()` and `waitUntilStopped(timeout:)`.
public final class ServiceGroup: Service {
    /// The services, in the order they start.
    public let services: [any Service]
    /// The longest a graceful shutdown waits for all of them together.
    public let gracePeriod: Duration

    /// A group of `services`, started in order, stopped together within `gracePeriod`.
    public init(_ services: [any Service], gracePeriod: Duration = .seconds(10)) {
        self.services = services
        self.gracePeriod = gracePeriod
    }

    // ANCHOR: run
    /// Runs the program: starts every service, calls `onStarted` (print the addresses there),
    /// and on SIGINT or SIGTERM shuts every service down and waits for them.
    ///
    /// - Returns: `true` when every service finished within the grace period.
    @discardableResult
    public func run(onStarted: () -> Void = {}) -> Bool {
        let signals = ShutdownSignals { [self] in shutdown() }
        start()
        onStarted()
        signals.waitForSignal()
        return waitUntilStopped(timeout: gracePeriod)
    }
    // ANCHOR_END: run

    /// Starts every service, in order.
    public func start() {
        for service in services { service.start() }
    }

    /// Tells every service to stop taking new work, the last started first.
    public func shutdown() {
        for service in services.reversed() { service.shutdown() }
    }

    /// Waits for every service, all within one `timeout` (not one each).
    @discardableResult
    public func waitUntilStopped(timeout: Duration?) -> Bool {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        var allStopped = true
        for service in services {
            let remaining = deadline.map { max(.zero, ContinuousClock.now.duration(to: $0)) }
            allStopped = service.waitUntilStopped(timeout: remaining) && allStopped
        }
        return allStopped
    }
}
