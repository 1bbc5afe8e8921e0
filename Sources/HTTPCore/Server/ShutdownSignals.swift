#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization

/// Turns SIGINT and SIGTERM into one call of a shutdown action, with Dispatch signal sources.
///
/// The default signal action would kill the process mid-response; ignoring the signal and
/// watching it with a `DispatchSourceSignal` lets the server finish what is in flight.
/// A second signal while shutting down exits at once, as people expect from Ctrl-C twice.
public final class ShutdownSignals: Sendable {
    /// Dispatch sources are not Sendable; the mutex makes owning them from a Sendable class safe.
    private let sources: Mutex<[any DispatchSourceSignal]>
    private let received = DispatchSemaphore(value: 0)

    // ANCHOR: signal-sources
    /// Starts watching SIGINT and SIGTERM; `action` runs once, on the first of them.
    public init(action: @escaping @Sendable () -> Void) {
        let queue = DispatchQueue(label: "shutdown-signals")
        let received = self.received
        let count = SignalCount()
        let watching = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                if count.value.add(1, ordering: .relaxed).newValue > 1 { exit(1) }
                action()
                received.signal()
            }
            source.resume()
            return source
        }
        sources = Mutex(watching)
    }
    // ANCHOR_END: signal-sources

    /// Blocks until the first signal has arrived and its action has run.
    public func waitForSignal() {
        received.wait()
    }
}

/// How many shutdown signals have arrived.
private final class SignalCount: Sendable {
    let value = Atomic<Int>(0)
}
