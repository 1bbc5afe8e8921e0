import Dispatch
import Synchronization

/// Work repeated at a fixed interval on a Dispatch timer, such as a cache's sweep of inactive
/// entries (nginx's cache manager), as a `Service` that stops with the program.
///
/// Runs never overlap: the timer fires on one serial queue. `shutdown()` cancels the timer, so
/// no run starts after it; `waitUntilStopped(timeout:)` waits for a run in progress.
public final class PeriodicTask: Service {
    /// The time between the end of one run's scheduling and the next.
    public let interval: Duration
    private let work: @Sendable () -> Void
    private let queue: DispatchQueue
    /// The running timer; `nil` before `start()` and after `shutdown()`.
    private let timer = Mutex(TimerSource())
    /// Entered for each run, so that stopping can wait for the one in progress.
    private let running = DispatchGroup()

    /// A task that runs `work` every `interval` once started; `label` names its queue.
    public init(label: String, interval: Duration, work: @escaping @Sendable () -> Void) {
        self.interval = interval
        self.work = work
        queue = DispatchQueue(label: label)
    }

    /// Starts the timer; the first run comes one interval from now.
    public func start() {
        let source = DispatchSource.makeTimerSource(queue: queue)
        source.schedule(deadline: .now() + interval.dispatchInterval, repeating: interval.dispatchInterval,
                        leeway: (interval / 10).dispatchInterval)
        source.setEventHandler { [work, running] in
            running.enter()
            work()
            running.leave()
        }
        timer.withLock { current in
            current.source?.cancel()
            current = TimerSource(source: source)
        }
        source.resume()
    }

    /// Cancels the timer: no run starts after this returns, one in progress goes on.
    public func shutdown() {
        timer.withLock { current in
            current.source?.cancel()
            current = TimerSource()
        }
    }

    /// Waits for a run in progress to finish.
    @discardableResult
    public func waitUntilStopped(timeout: Duration?) -> Bool {
        // A run already on the queue when the timer was cancelled may still start: let it.
        let drained = DispatchGroup()
        drained.enter()
        queue.async { drained.leave() }
        guard let timeout else {
            drained.wait()
            running.wait()
            return true
        }
        let deadline = DispatchTime.now() + timeout.dispatchInterval
        return drained.wait(timeout: deadline) == .success && running.wait(timeout: deadline) == .success
    }
}

/// A Dispatch timer held across threads. `@unchecked`: Dispatch sources may be resumed and
/// cancelled from any thread (libdispatch synchronises them), which Swift cannot see; every
/// access here also happens under `PeriodicTask`'s mutex.
private struct TimerSource: @unchecked Sendable {
    var source: (any DispatchSourceTimer)?
}
