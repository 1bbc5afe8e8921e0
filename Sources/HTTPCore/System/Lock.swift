#if canImport(Glibc)
import Glibc
#endif

// ANCHOR: lock
/// A value protected by a `pthread_mutex_t`, for state that many connection threads touch on
/// every request (a cache index, a connection pool).
///
/// Why not `Synchronization.Mutex`: on Linux it is a priority-inheritance futex, and when 64
/// connection threads share two cores its contended path (`futex_lock_pi`) measured at over a
/// third of a cache HIT's time. glibc's default mutex spins briefly and sleeps on a plain futex,
/// which is what swift-nio's `NIOLock` uses too. Use `Mutex` where contention is rare.
public final class Lock<Value: Sendable>: @unchecked Sendable {
    // @unchecked: every access to `value` happens between lock and unlock of `mutex`.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    /// A lock protecting `value`.
    public init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the value and returns its result.
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
// ANCHOR_END: lock
