#if canImport(Glibc)
import Glibc
#endif
import HTTPCore

/// Answers exactly as the wrapped handler does, but only after waiting `delay`: a slow origin,
/// so that the cache in later steps has something to save.
///
/// It blocks the calling thread, which is the connection's own (see `HTTPHandler`), so other
/// connections are not held up.
struct DelayedHandler<Wrapped: HTTPHandler>: HTTPHandler {
    /// The handler that produces the response.
    let wrapped: Wrapped
    /// How long every request waits before `wrapped` sees it.
    let delay: Duration

    /// Wraps `wrapped`, delaying each response by `delay`, which must not be negative.
    init(_ wrapped: Wrapped, delay: Duration) {
        precondition(delay >= .zero, "a delay cannot be negative")
        self.wrapped = wrapped
        self.delay = delay
    }

    /// The wrapped handler's response, after `delay`.
    func respond(to request: HTTPRequest) -> HTTPResponse {
        let (seconds, attoseconds) = delay.components
        var interval = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        // Why the loop: a signal interrupts nanosleep(2) early and leaves the rest in `remaining`.
        while nanosleep(&interval, &remaining) == -1 && errno == EINTR {
            interval = remaining
        }
        return wrapped.respond(to: request)
    }
}
