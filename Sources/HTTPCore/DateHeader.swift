#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The value of the `Date` header, formatted at most once per second (RFC 9110 §6.6.1).
///
/// Formatting a date costs more than the rest of a small response head; every response in the
/// same second shares one string, as nginx does with its cached time.
public final class DateHeader: Sendable {
    public static let shared = DateHeader()

    private let cache = Mutex<(second: Int64, value: String)>((-1, ""))

    /// The current time as an IMF-fixdate.
    public var current: String {
        let now = Int64(time(nil))
        return cache.withLock { cached in
            if cached.second != now {
                cached = (now, HTTPDate.format(secondsSinceEpoch: now))
            }
            return cached.value
        }
    }
}
