#if canImport(Glibc)
import Glibc
#endif

/// The value of the `Date` header (RFC 9110 §6.6.1), formatted at most once per second.
///
/// Formatting a date costs more than the rest of a small response head, so every response in
/// the same second reuses one string, as nginx does with its cached time. Each connection
/// keeps its own cache: a cache shared behind a lock costs more in contention than it saves.
struct DateHeader {
    private var second: Int64 = -1
    private var value = ""

    /// The current time as an IMF-fixdate.
    mutating func current() -> String {
        let now = Int64(time(nil))
        if now != second {
            second = now
            value = HTTPDate.format(secondsSinceEpoch: now)
        }
        return value
    }
}
