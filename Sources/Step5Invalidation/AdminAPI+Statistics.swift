#if canImport(Glibc)
import Glibc
#endif
import HTTPCore
import Synchronization

extension AdminAPI {
    // MARK: - Usage statistics

    /// The body of `GET /stats`.
    struct StatisticsAnswer: Encodable {
        struct Totals: Encodable {
            var keys: Int, entries: Int, storedBytes: Int
            var hits: Int, misses: Int, expired: Int, bytesSent: Int
            var coalescedRequests: Int, upstreamRequests: Int
        }
        struct KeyUsage: Encodable {
            var key: String
            var uses: Int, hits: Int, bytesSent: Int
            /// RFC 3339.
            var lastUse: String
            /// Whether the key has an entry now.
            var cached: Bool
        }
        var totals: Totals
        var top: [KeyUsage]
    }

    // ANCHOR: stats
    /// `GET /stats?top=N`: the cache's totals and its N most used keys (default 10), most used first.
    func statistics(_ request: HTTPRequest) -> HTTPResponse {
        guard let top = integerParameter("top", of: request, default: 10, range: 0...1_000) else {
            return .jsonError(.badRequest, "invalid parameter top: a number from 0 to 1000")
        }
        let snapshot = cache.statistics(top: top)
        // The index keeps instants of the cache's clock; the answer gives wall-clock times.
        let (now, wallNow) = (cache.now(), Int64(time(nil)))
        let counters = snapshot.counters
        let answer = StatisticsAnswer(
            totals: .init(keys: snapshot.keyCount, entries: snapshot.entryCount, storedBytes: snapshot.storedBytes,
                          hits: counters.hits, misses: counters.misses, expired: counters.expired, bytesSent: counters.bytesSent,
                          coalescedRequests: metrics.coalescedRequests.load(ordering: .relaxed),
                          upstreamRequests: metrics.upstreamRequests.load(ordering: .relaxed)),
            top: snapshot.mostUsed.map { usage in
                let secondsAgo = usage.lastUse.duration(to: now).components.seconds
                return .init(key: usage.key.rawValue, uses: usage.uses, hits: usage.hits, bytesSent: usage.bytesSent,
                             lastUse: InvalidationRecord.rfc3339(wallNow - secondsAgo), cached: usage.entry != nil)
            })
        return .json(.ok, answer)
    }
    // ANCHOR_END: stats

    // ANCHOR: metrics
    /// `GET /metrics`: the counters in the Prometheus text exposition format (version 0.0.4):
    /// for each metric a `# HELP` and a `# TYPE` line, then its samples.
    func exposition() -> HTTPResponse {
        let snapshot = cache.statistics(top: 0)
        let counters = snapshot.counters
        func load(_ counter: borrowing Atomic<Int>) -> Int {
            counter.load(ordering: .relaxed)
        }
        var text = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: Int)]) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples { text += "\(name)\(sample.labels) \(sample.value)\n" }
        }
        metric("image_cache_requests_total", "counter", "GET and HEAD requests by cache status.",
               [("{cache=\"HIT\"}", counters.hits), ("{cache=\"MISS\"}", counters.misses), ("{cache=\"EXPIRED\"}", counters.expired)])
        metric("image_cache_forwarded_requests_total", "counter", "Requests of other methods, forwarded without the cache.",
               [("", load(metrics.forwardedRequests))])
        metric("image_cache_upstream_requests_total", "counter", "Upstream requests made for GET and HEAD misses.",
               [("", load(metrics.upstreamRequests))])
        metric("image_cache_upstream_errors_total", "counter", "Upstream requests for misses answered with 502 or 504.",
               [("", load(metrics.upstreamErrors))])
        metric("image_cache_coalesced_requests_total", "counter", "Misses answered from another miss's upstream request.",
               [("", load(metrics.coalescedRequests))])
        metric("image_cache_shared_fetches", "gauge", "Upstream requests in flight that misses may follow.",
               [("", sharedFetches?.count ?? 0)])
        metric("image_cache_sent_bytes_total", "counter", "Body bytes sent for GET requests through the cache.",
               [("", counters.bytesSent)])
        metric("image_cache_keys", "gauge", "Keys counted in the keys zone.", [("", snapshot.keyCount)])
        metric("image_cache_entries", "gauge", "Entries stored.", [("", snapshot.entryCount)])
        metric("image_cache_stored_bytes", "gauge", "Bytes of cache files, counted in disk blocks.", [("", snapshot.storedBytes)])
        metric("image_cache_stores_total", "counter", "Responses stored.", [("", counters.stores)])
        metric("image_cache_evictions_total", "counter", "Entries removed for --max-size, --keys-zone or --inactive.",
               [("", counters.evictions)])
        metric("image_cache_purges_total", "counter", "PURGE requests that deleted an entry.", [("", load(metrics.purges))])
        metric("image_cache_invalidations_total", "counter", "Invalidation calls recorded.", [("", load(metrics.invalidations))])
        metric("image_cache_invalidated_entries_total", "counter", "Entries deleted by invalidation calls.",
               [("", load(metrics.invalidatedEntries))])
        if let fleet {
            metric("image_cache_fleet_connected", "gauge", "1 while this node is connected to the fleet's Redis and caught up.",
                   [("", fleet.isConnected.load(ordering: .relaxed) ? 1 : 0)])
            metric("image_cache_fleet_applied_sequence", "gauge", "The fleet log's last record applied by this node.",
                   [("", fleet.appliedSequence)])
        }
        return HTTPResponse(status: .ok, headerFields: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
                            body: .bytes(Array(text.utf8)))
    }
    // ANCHOR_END: metrics
}
