import Synchronization

/// What the proxy counts beside its cache's own counters (`CacheCounters`): the work of its misses
/// and of the admin API. Atomics, touched by misses, purges and invalidations, never by a HIT.
final class ProxyMetrics: Sendable {
    /// Requests sent upstream for GET and HEAD misses (a shared fetch counts once).
    let upstreamRequests = Atomic<Int>(0)
    /// Of those, the ones that ended in a `502` or `504`.
    let upstreamErrors = Atomic<Int>(0)
    /// Misses answered from another miss's upstream request.
    let coalescedRequests = Atomic<Int>(0)
    /// Requests of other methods, forwarded without the cache.
    let forwardedRequests = Atomic<Int>(0)
    /// PURGE requests that deleted something.
    let purges = Atomic<Int>(0)
    /// Invalidation calls recorded, and the entries they deleted.
    let invalidations = Atomic<Int>(0)
    let invalidatedEntries = Atomic<Int>(0)

    init() {}

    /// Adds one to `counter`.
    static func increment(_ counter: borrowing Atomic<Int>, by amount: Int = 1) {
        counter.add(amount, ordering: .relaxed)
    }
}
