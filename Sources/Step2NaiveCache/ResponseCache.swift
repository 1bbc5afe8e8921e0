import HTTPCore

// ANCHOR: response-cache
/// The naive store: every response put in stays in memory, under its key, until the process ends.
///
/// There is no size bound, no expiry and no admission rule, so memory grows with every
/// distinct URL ever requested, once-requested ones included: that is this step's lesson, and
/// the next step's starting point. Safe to use from every connection thread at once.
final class ResponseCache: Sendable {
    /// Why one lock around one dictionary: a HIT holds it for a single lookup, which is far
    /// shorter than anything else a request does, so the threads hardly ever wait for it.
    private let entries = Lock<[CacheKey: CachedResponse]>([:])

    /// An empty cache.
    init() {}

    /// The entry stored under `key`, or `nil` on a miss.
    func cachedResponse(for key: CacheKey) -> CachedResponse? {
        entries.withLock { $0[key] }
    }

    /// Stores `response` under `key`, replacing any entry there (the last complete response wins,
    /// as it does in nginx when several misses for one key race).
    func store(_ response: CachedResponse, for key: CacheKey) {
        entries.withLock { $0[key] = response }
    }

    /// The number of entries.
    var count: Int {
        entries.withLock { $0.count }
    }
}
// ANCHOR_END: response-cache
