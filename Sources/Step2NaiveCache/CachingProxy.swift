#if canImport(Glibc)
import Glibc
#endif
import HTTPCore

/// A reverse proxy that keeps every complete `200` answer to a GET or HEAD in memory and serves
/// it from there ever after: nginx's `proxy_pass` with `proxy_cache`, minus every rule about what
/// to keep and for how long.
///
/// - GET and HEAD: a HIT answers with the stored status, fields and body plus
///   `X-Proxy-Cache: HIT`. A MISS asks the upstream with GET (for HEAD too, as nginx does),
///   relays the answer with `X-Proxy-Cache: MISS`, and stores it if it is a complete `200`.
/// - Every other method is forwarded with its body; the answer is relayed and never stored.
/// - The upstream gets the client's end-to-end fields with `Host: <upstream host:port>`, the client
///   gets the upstream's end-to-end fields: hop-by-hop fields stop here, both ways.
/// - An upstream that cannot be reached, or sends no valid answer, is a `502`; one that does not
///   answer within the upstream timeout a `504`; each with a one-line reason. A body that breaks
///   off after its head was relayed can no longer be answered: the connection is closed instead,
///   so the client sees the response is incomplete, and nothing is stored.
struct CachingProxy: HTTPHandler {
    /// The connections to the upstream.
    let client: HTTPClient
    /// Every response stored so far.
    let cache: ResponseCache
    /// The upstream as nginx's `$proxy_host` names it: the `Host` sent upstream and the start of every key.
    let proxyHost: String

    // ANCHOR: added-fields
    /// nginx's `add_header` (without `always`) adds its field only to responses with these
    /// statuses (ngx_http_headers_module), so a 404 or 503 passed through carries no
    /// X-Proxy-Cache at all; this proxy mirrors that exactly.
    static let statusesWithAddedFields: Set<Int> = [200, 201, 204, 206, 301, 302, 303, 304, 307, 308]
    // ANCHOR_END: added-fields

    /// A proxy for `upstream` that waits at most `upstreamTimeout` for each answer (and for each
    /// read of its body), storing into `cache`.
    init(upstream: UpstreamAddress, upstreamTimeout: Duration, cache: ResponseCache = ResponseCache()) {
        client = HTTPClient(upstream: upstream, responseTimeout: upstreamTimeout)
        self.cache = cache
        proxyHost = upstream.proxyHost
    }

    // ANCHOR: respond
    /// The answer to `request`: from the cache, or from the upstream.
    func respond(to request: HTTPRequest) -> HTTPResponse {
        switch request.method {
        case .get, .head: respondThroughCache(to: request)
        default: forward(request)
        }
    }
    // ANCHOR_END: respond

    // MARK: - GET and HEAD: through the cache

    // ANCHOR: through-cache
    /// A HIT from memory, or a MISS relayed from the upstream and stored if it is a complete `200`.
    private func respondThroughCache(to request: HTTPRequest) -> HTTPResponse {
        let key = CacheKey(proxyHost: proxyHost, target: upstreamTarget(of: request))
        // Why so little here: this is the path the benchmark measures. One lookup under the
        // lock, and a response whose fields and body are shared with the entry, not copied.
        if let cached = cache.cachedResponse(for: key) {
            return cached.makeHitResponse()
        }
        let upstreamResponse: HTTPClientResponse
        do {
            // Why GET for HEAD: like nginx, so that the entry gets the body a later GET needs.
            upstreamResponse = try client.send(method: .get, target: upstreamTarget(of: request),
                                               headerFields: forwardedFields(of: request), body: request.body)
        } catch {
            return failure(error)
        }
        // Only 200 is stored, as nginx's `proxy_cache_valid 200` has it; other statuses pass through.
        // No size limit: this cache keeps whatever comes, however large.
        let destination = upstreamResponse.status.code == 200
            ? StorageDestination(maxBodySize: .max) { [cache] status, headerFields, body in
                cache.store(CachedResponse(status: status, headerFields: headerFields, body: body), for: key)
            }
            : nil
        return relay(upstreamResponse, to: request, cacheStatus: "MISS", storingIn: destination)
    }
    // ANCHOR_END: through-cache

    // MARK: - Forwarding the request

    // ANCHOR: forwarded-fields
    /// The client's header fields as the upstream gets them: the end-to-end ones (`Cookie`
    /// included: it is not part of the key, and nginx forwards it too), with `Host` naming the
    /// upstream (nginx's default `proxy_set_header Host $proxy_host`).
    func forwardedFields(of request: HTTPRequest) -> HTTPFields {
        // RFC 9110 §7.6.1: hop-by-hop fields describe the client's connection, not this one.
        var fields = request.headerFields.removingHopByHopFields()
        fields["Host"] = proxyHost
        return fields
    }
    // ANCHOR_END: forwarded-fields
}
