#if canImport(Glibc)
import Glibc
#endif
import HTTPCore
import NginxCache

/// A reverse proxy that stores an answer to a GET or HEAD in a cache file once its URL has been
/// asked for `--min-uses` times, keeps it fresh for a while and within a disk bound: nginx's
/// `proxy_pass` with `proxy_cache`, `proxy_cache_min_uses` and `proxy_cache_valid`, in nginx's
/// own directory layout and file format.
///
/// - GET and HEAD count as uses of their key. A HIT (a fresh entry whose file checks out) answers
///   from the file: the stored status and fields plus `X-Proxy-Cache: HIT`, the body sent with
///   `sendfile(2)`, or a `304` or `206` as an origin would answer a conditional or range request
///   (`CachingProxy+Hit.swift`). A file that vanished or fails a check is a MISS that refills it.
///   A MISS (no entry) or an EXPIRED (a stale
///   one) asks the upstream with GET (for HEAD too, as nginx does) and relays the answer with
///   `X-Proxy-Cache: MISS` or `EXPIRED`. The answer is stored if it is complete, `StoragePolicy`
///   gives it a freshness lifetime, and either the key has now been used `--min-uses` times
///   or the request replaces an expired entry.
/// - `PURGE` deletes the entry of its key, or of every key with a prefix (`CachingProxy+Purge.swift`);
///   it is answered here, never forwarded.
/// - Every other method is forwarded with its body; the answer is relayed and never stored, and
///   the request is not a use.
/// - Misses are coalesced (`CachingProxy+Coalescing.swift`): while one GET of a key waits for the
///   upstream, later misses of that key follow it and get its answer as it arrives, instead of
///   asking again. With `coalescesMisses` off (nginx's default, `proxy_cache_lock off`),
///   concurrent requests for a key all go upstream, and the last complete answer stored wins.
/// - Usage is counted: per key its HITs and body bytes sent (in the index, under the lock a
///   request takes anyway), and for the proxy its upstream requests, errors, coalesced misses,
///   purges and invalidations (`ProxyMetrics`); the admin API reports them.
/// - The upstream gets the client's end-to-end fields with `Host: <upstream host:port>`, the client
///   gets the upstream's end-to-end fields: hop-by-hop fields stop here, both ways.
/// - An upstream that cannot be reached, or sends no valid answer, is a `502`; one that does not
///   answer within the upstream timeout a `504`; each with a one-line reason. A body that breaks
///   off after its head was relayed can no longer be answered: the connection is closed instead,
///   so the client sees the response is incomplete, and nothing is stored.
struct CachingProxy: HTTPHandler {
    /// The connections to the upstream.
    let client: HTTPClient
    /// Every key counted and every response stored, within their limits.
    let cache: ResponseCache
    /// Which answers are stored, and for how long they stay fresh.
    let policy: StoragePolicy
    /// The upstream as nginx's `$proxy_host` names it: the `Host` sent upstream and the start of every key.
    let proxyHost: String
    /// The clients that may PURGE.
    let purgeAllow: [AddressBlock]
    /// The fetches in flight that misses may follow; `nil` when misses are not coalesced.
    let sharedFetches: SharedFetches?
    /// The proxy's counters, which the admin API reports.
    let metrics: ProxyMetrics
    /// Closed while this node of a fleet catches up on invalidations it missed: the cache is
    /// then bypassed. `nil` for a cache on its own.
    let gate: CacheGate?

    // ANCHOR: added-fields
    /// nginx's `add_header` (without `always`) adds its field only to responses with these
    /// statuses (ngx_http_headers_module), so a 404 or 503 passed through carries no
    /// X-Proxy-Cache at all, nor does a HIT of one; this proxy mirrors that exactly.
    static let statusesWithAddedFields: Set<Int> = [200, 201, 204, 206, 301, 302, 303, 304, 307, 308]
    // ANCHOR_END: added-fields

    // ANCHOR: withheld-fields
    /// Request fields that nginx's `proxy_cache` does not send upstream when the answer may be
    /// stored (ngx_http_proxy_module's cache headers): an answer kept for every later request
    /// must be the whole, unconditional response, not a 206 or a 304 meant for one client.
    private static let fieldsWithheldWhenStoring = [
        "Range", "If-Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since",
    ]
    // ANCHOR_END: withheld-fields

    /// A proxy for `upstream` that waits at most `upstreamTimeout` for each answer (and for each
    /// read of its body), storing into `cache` what `policy` allows.
    init(upstream: UpstreamAddress, upstreamTimeout: Duration, policy: StoragePolicy, cache: ResponseCache,
         purgeAllow: [AddressBlock] = CachingProxy.loopback, sharedFetches: SharedFetches? = SharedFetches(),
         metrics: ProxyMetrics = ProxyMetrics(), gate: CacheGate? = nil) {
        client = HTTPClient(upstream: upstream, responseTimeout: upstreamTimeout)
        self.cache = cache
        self.policy = policy
        proxyHost = upstream.proxyHost
        self.purgeAllow = purgeAllow
        self.sharedFetches = sharedFetches
        self.metrics = metrics
        self.gate = gate
    }

    // ANCHOR: respond
    /// The answer to `request`: from the cache, or from the upstream.
    func respond(to request: HTTPRequest) -> HTTPResponse {
        switch request.method {
        case .get, .head:
            return respondThroughCache(to: request)
        case .purge:
            return purge(request)
        default:
            ProxyMetrics.increment(metrics.forwardedRequests)
            return forward(request)
        }
    }
    // ANCHOR_END: respond

    // MARK: - GET and HEAD: through the cache

    // ANCHOR: through-cache
    /// A HIT from its file, or a MISS or EXPIRED relayed from the upstream (or from another miss
    /// of the key already asking it) and stored if it may be.
    private func respondThroughCache(to request: HTTPRequest) -> HTTPResponse {
        if let gate, !gate.isOpen { return bypass(request) }
        let key = CacheKey(proxyHost: proxyHost, target: upstreamTarget(of: request))
        // A plain GET is answered with the whole body on a HIT: its bytes are counted with the
        // use, under the same lock, so statistics cost the HIT path no second lock.
        let isPlainGet = request.method == .get && !Self.asksConditionallyOrForRange(request)
        // Why so little before a HIT: this is the path the benchmark measures. One lock, which
        // counts the use and finds the entry, then one open, one read of the file's first bytes
        // and a body the kernel sends from the file.
        let cacheStatus: String
        let isAdmitted: Bool
        switch cache.lookUp(key, countsBodyAsSent: isPlainGet) {
        case .hit(let cached):
            if let file = cache.openFile(of: cached, for: key) {
                let response = makeHitResponse(from: file, to: request)
                if !isPlainGet, request.method == .get { cache.recordSent(Int(response.body.count ?? 0), for: key) }
                return response
            }
            // The file vanished or failed a check: a MISS whose answer refills it, as in nginx.
            cache.revertHit(of: cached, for: key, countedBody: isPlainGet)
            (cacheStatus, isAdmitted) = ("MISS", true)
        case .expired: (cacheStatus, isAdmitted) = ("EXPIRED", true)
        case .miss(let isAdmittedByUses): (cacheStatus, isAdmitted) = ("MISS", isAdmittedByUses)
        }
        // A purge or invalidation of this key from now on wins: this answer is then relayed but not stored.
        let purgeEpoch = cache.purges.withLock { $0.epoch }
        guard let sharedFetches else {
            return fetch(key, for: request, cacheStatus: cacheStatus, isAdmitted: isAdmitted, purgeEpoch: purgeEpoch, sharing: nil)
        }
        // A GET or HEAD for the whole response may lead: the upstream is asked with GET either way.
        let asksForWhole = !Self.asksConditionallyOrForRange(request)
        let role = sharedFetches.role(for: key, readsBody: request.method == .get, canLead: asksForWhole,
                                      purgeEpoch: purgeEpoch) { since in
            cache.purges.withLock { $0.hasPurged(key, since: since) }
        }
        switch role {
        case .leader(let fetch):
            return self.fetch(key, for: request, cacheStatus: cacheStatus, isAdmitted: isAdmitted, purgeEpoch: purgeEpoch,
                              sharing: fetch)
        case .follower(let ticket):
            // nil: the leader's answer is not one to share; ask the upstream like any miss.
            if let response = follow(ticket, for: request, key: key) { return response }
        case .alone:
            break
        }
        return fetch(key, for: request, cacheStatus: cacheStatus, isAdmitted: isAdmitted, purgeEpoch: purgeEpoch, sharing: nil)
    }

    /// The upstream's answer to `request`, relayed with `cacheStatus` and stored if `isAdmitted`
    /// and the policy allows, unless `key` is purged after `purgeEpoch`; shared with followers
    /// through `sharing` when given.
    private func fetch(_ key: CacheKey, for request: HTTPRequest, cacheStatus: String, isAdmitted: Bool,
                       purgeEpoch: UInt64, sharing shared: SharedFetch?) -> HTTPResponse {
        ProxyMetrics.increment(metrics.upstreamRequests)
        let upstreamResponse: HTTPClientResponse
        do {
            // Why GET for HEAD: like nginx, so that the entry gets the body a later GET needs.
            upstreamResponse = try client.send(method: .get, target: upstreamTarget(of: request),
                                               headerFields: forwardedFields(of: request, isStoring: isAdmitted),
                                               body: request.body)
        } catch {
            ProxyMetrics.increment(metrics.upstreamErrors)
            let response = failure(error)
            if let shared { endSharing(shared, for: key, with: .failed(response)) }
            return response
        }
        // Fresh from when the head arrived, as nginx counts it; `nil` when not to be stored.
        let receivedAt = cache.now()
        let storableLifetime = policy.freshnessLifetime(of: upstreamResponse.status, headerFields: upstreamResponse.headerFields)
        // The misses that followed this one while it waited are uses too: once they reach
        // --min-uses, the shared answer is stored (they do not store it themselves).
        let isAdmitted = isAdmitted || (shared != nil && storableLifetime != nil && cache.hasReachedMinUses(key))
        let lifetime = isAdmitted ? storableLifetime : nil
        let destination = lifetime.map { lifetime in
            // The file keeps the upstream's head as received, and its times in Unix seconds.
            let storedHead = policy.storedHead(of: upstreamResponse.rawHead)
            let date = Int64(time(nil))
            let header = CacheFileHeader(storing: upstreamResponse.headerFields, date: date,
                                         validUntil: date + lifetime.wholeSecondsRoundedUp)
            // A body that would not fit in the whole cache beside the file's header, key line and
            // head is not written.
            let prefixSize = CacheFileHeader.size + CacheKeyLine.encode(Array(key.rawValue.utf8)).count + storedHead.count
            return StorageDestination(maxBodySize: cache.maxSize - prefixSize) { [cache] _, _, _ in
                CacheFileWriter(cache: cache, key: key, header: header, storedHead: storedHead,
                                validUntil: receivedAt + lifetime, purgeEpoch: purgeEpoch)
            }
        }
        // Only an answer that could be stored is shared: one meant for this client alone
        // (`private`, `no-store`, a cookie not to be stored) is not given to others.
        guard let shared, storableLifetime != nil else {
            if let shared { endSharing(shared, for: key, with: .notShared) }
            let response = relay(upstreamResponse, to: request, cacheStatus: cacheStatus, storingIn: destination)
            return countingSentBytes(of: response, for: key, sharingWith: nil)
        }
        guard request.method == .get else {
            // A HEAD that leads reads the body its followers need, relayed as to a GET.
            var asGet = request
            asGet.head.method = .get
            let response = relay(upstreamResponse, to: asGet, cacheStatus: cacheStatus, storingIn: destination)
            // What relay stores: nothing when the announced body is larger than the destination takes.
            let limit = destination.flatMap { (upstreamResponse.contentLength ?? 0) > $0.maxBodySize ? nil : $0.maxBodySize }
            return leadingHead(with: response, for: key, sharingWith: shared, storingUpTo: limit)
        }
        let response = relay(upstreamResponse, to: request, cacheStatus: cacheStatus, storingIn: destination)
        return countingSentBytes(of: response, for: key, sharingWith: shared)
    }
    // ANCHOR_END: through-cache

    // ANCHOR: bypass
    /// The upstream's answer, relayed with `X-Proxy-Cache: BYPASS` (nginx's word for a request
    /// that skipped the cache) and not stored: while a fleet node catches up on invalidations it
    /// missed, its files may be ones the fleet has invalidated.
    private func bypass(_ request: HTTPRequest) -> HTTPResponse {
        ProxyMetrics.increment(metrics.upstreamRequests)
        do {
            let upstreamResponse = try client.send(method: request.method, target: upstreamTarget(of: request),
                                                   headerFields: forwardedFields(of: request), body: request.body)
            return relay(upstreamResponse, to: request, cacheStatus: "BYPASS", storingIn: nil)
        } catch {
            ProxyMetrics.increment(metrics.upstreamErrors)
            return failure(error)
        }
    }
    // ANCHOR_END: bypass

    // MARK: - Forwarding the request

    // ANCHOR: forwarded-fields
    /// The client's header fields as the upstream gets them: the end-to-end ones (`Cookie`
    /// included: it is not part of the key, and nginx forwards it too), with `Host` naming the
    /// upstream (nginx's default `proxy_set_header Host $proxy_host`), and without range and
    /// conditional fields when the answer may be stored (`isStoring`).
    func forwardedFields(of request: HTTPRequest, isStoring: Bool = false) -> HTTPFields {
        // RFC 9110 §7.6.1: hop-by-hop fields describe the client's connection, not this one.
        var fields = request.headerFields.removingHopByHopFields()
        fields["Host"] = proxyHost
        if isStoring {
            fields.removeAll { field in Self.fieldsWithheldWhenStoring.contains(where: field.name.equalsIgnoringASCIICase) }
        }
        return fields
    }
    // ANCHOR_END: forwarded-fields
}

extension CachingProxy {
    /// Whether `request` may be answered with less than the whole body (a `304`, a `206`).
    static func asksConditionallyOrForRange(_ request: HTTPRequest) -> Bool {
        request.headerFields.contains("If-None-Match") || request.headerFields.contains("If-Modified-Since")
            || request.headerFields.contains("Range")
    }
}

extension Duration {
    /// The whole seconds a cache file's `valid_sec` adds for this lifetime: a fraction counts as
    /// a second, so that an entry is never written as stale.
    fileprivate var wholeSecondsRoundedUp: Int64 {
        let (seconds, attoseconds) = components
        return seconds + (attoseconds > 0 ? 1 : 0)
    }
}
