#if canImport(Glibc)
import Glibc
#endif
import HTTPCore

/// A reverse proxy that stores an answer to a GET or HEAD only once its URL has been asked for
/// `--min-uses` times, keeps it fresh for a while and within a memory bound: nginx's
/// `proxy_pass` with `proxy_cache`, `proxy_cache_min_uses` and `proxy_cache_valid`.
///
/// - GET and HEAD count as uses of their key. A HIT (a fresh entry) answers with the stored
///   status, fields and body plus `X-Proxy-Cache: HIT`. A MISS (no entry) or an EXPIRED (a stale
///   one) asks the upstream with GET (for HEAD too, as nginx does) and relays the answer with
///   `X-Proxy-Cache: MISS` or `EXPIRED`. The answer is stored if it is complete, `StoragePolicy`
///   gives it a freshness lifetime, and either the key has now been used `--min-uses` times
///   or the request replaces an expired entry.
/// - Every other method is forwarded with its body; the answer is relayed and never stored, and
///   the request is not a use.
/// - Misses are not coalesced (nginx's default, `proxy_cache_lock off`): concurrent requests for
///   a key all go upstream, and the last complete answer stored wins.
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
    private let proxyHost: String

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
    init(upstream: UpstreamAddress, upstreamTimeout: Duration, policy: StoragePolicy, cache: ResponseCache) {
        client = HTTPClient(upstream: upstream, responseTimeout: upstreamTimeout)
        self.cache = cache
        self.policy = policy
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
    /// A HIT from memory, or a MISS or EXPIRED relayed from the upstream and stored if it may be.
    private func respondThroughCache(to request: HTTPRequest) -> HTTPResponse {
        let key = CacheKey(proxyHost: proxyHost, target: upstreamTarget(of: request))
        // Why so little before a HIT: this is the path the benchmark measures. One lock, which
        // counts the use and finds the entry, and a response whose fields and body are shared
        // with the entry, not copied.
        let cacheStatus: String
        let isAdmitted: Bool
        switch cache.lookUp(key) {
        case .hit(let cached): return cached.makeHitResponse()
        case .expired: (cacheStatus, isAdmitted) = ("EXPIRED", true)
        case .miss(let isAdmittedByUses): (cacheStatus, isAdmitted) = ("MISS", isAdmittedByUses)
        }
        let upstreamResponse: HTTPClientResponse
        do {
            // Why GET for HEAD: like nginx, so that the entry gets the body a later GET needs.
            upstreamResponse = try client.send(method: .get, target: upstreamTarget(of: request),
                                               headerFields: forwardedFields(of: request, isStoring: isAdmitted),
                                               body: request.body)
        } catch {
            return failure(error)
        }
        // Fresh from when the head arrived, as nginx counts it; `nil` when not to be stored.
        let receivedAt = ContinuousClock.now
        let lifetime = isAdmitted ? policy.freshnessLifetime(of: upstreamResponse.status,
                                                             headerFields: upstreamResponse.headerFields) : nil
        // A body announced larger than the whole cache would not be stored: it is not collected.
        let isTooLarge = upstreamResponse.contentLength.map {
            CachedResponse.size(bodyCount: $0, headerFields: upstreamResponse.headerFields.removingHopByHopFields()) > cache.maxSize
        } ?? false
        let destination = isTooLarge ? nil : lifetime.map { (key: key, validUntil: receivedAt + $0) }
        return relay(upstreamResponse, to: request, cacheStatus: cacheStatus, storingUnder: destination)
    }
    // ANCHOR_END: through-cache

    // MARK: - Other methods: straight through

    // ANCHOR: forward
    /// The upstream's answer to `request`, forwarded as it is; the cache is neither read nor changed.
    private func forward(_ request: HTTPRequest) -> HTTPResponse {
        do {
            let upstreamResponse = try client.send(method: request.method, target: upstreamTarget(of: request),
                                                   headerFields: forwardedFields(of: request), body: request.body)
            return relay(upstreamResponse, to: request, cacheStatus: nil, storingUnder: nil)
        } catch {
            return failure(error)
        }
    }
    // ANCHOR_END: forward

    // MARK: - Forwarding the request

    /// The target as the upstream gets it and the key holds it (nginx's `$request_uri`): the
    /// client's raw target, except that absolute-form (`GET http://host/1.jpg`, as sent to a
    /// forward proxy) becomes origin-form (`/1.jpg`), as RFC 9112 §3.2.1 requires toward an origin.
    private func upstreamTarget(of request: HTTPRequest) -> String {
        request.head.originFormTarget ?? request.target
    }

    // ANCHOR: forwarded-fields
    /// The client's header fields as the upstream gets them: the end-to-end ones (`Cookie`
    /// included: it is not part of the key, and nginx forwards it too), with `Host` naming the
    /// upstream (nginx's default `proxy_set_header Host $proxy_host`), and without range and
    /// conditional fields when the answer may be stored (`isStoring`).
    private func forwardedFields(of request: HTTPRequest, isStoring: Bool = false) -> HTTPFields {
        // RFC 9110 §7.6.1: hop-by-hop fields describe the client's connection, not this one.
        var fields = request.headerFields.removingHopByHopFields()
        fields["Host"] = proxyHost
        if isStoring {
            fields.removeAll { field in Self.fieldsWithheldWhenStoring.contains(where: field.name.equalsIgnoringASCIICase) }
        }
        return fields
    }
    // ANCHOR_END: forwarded-fields

    // MARK: - Relaying the response

    /// The client's response relaying `upstreamResponse`, marked with `cacheStatus` where nginx
    /// would add it, and stored under `destination.key` (when given), fresh until
    /// `destination.validUntil`, once its whole body has arrived.
    ///
    /// A body of known length is relayed piece by piece while it arrives (a large image does not
    /// wait in memory before its first byte goes out); a body of unknown length is read whole
    /// first, so that it can be sent with `Content-Length` and a failure is still a 502.
    private func relay(_ upstreamResponse: HTTPClientResponse, to request: HTTPRequest, cacheStatus: String?,
                       storingUnder destination: (key: CacheKey, validUntil: ContinuousClock.Instant)?) -> HTTPResponse {
        // ANCHOR: relay-fields
        let status = upstreamResponse.status
        // RFC 9110 §7.6.1: the upstream's hop-by-hop fields stop here too. Its Date, Server
        // and Content-Length go on, but the server replaces them, as nginx does.
        let endToEndFields = upstreamResponse.headerFields.removingHopByHopFields()
        var headerFields = endToEndFields
        if let cacheStatus, Self.statusesWithAddedFields.contains(status.code) {
            headerFields.append(name: "X-Proxy-Cache", value: cacheStatus)
        }
        // ANCHOR_END: relay-fields

        // ANCHOR: relay-stream
        // A GET whose length is known: relay the body while it arrives. (Not a HEAD: the server
        // never asks a stream for a HEAD's body, so the upstream's GET body is read whole below.
        // Nor an empty body: there is no last piece to store it before.)
        if request.method != .head, let length = upstreamResponse.contentLength, length > 0 {
            let body = HTTPResponseBody.stream(count: Int64(length)) { [cache] write in
                var received: [UInt8] = []
                // Why reserve exactly `length`: a stored array keeps its spare capacity, which
                // `--max-size` does not count. The length is the upstream's word, but it is at
                // most `--max-size` here, so a bogus one cannot allocate more than that.
                if destination != nil { received.reserveCapacity(length) }
                // If the upstream stops short this throws, and the server closes the client's
                // connection (RFC 9112 §8: the only way to say "incomplete" after the head).
                try upstreamResponse.readBody { piece in
                    if let destination {
                        received.append(contentsOf: piece)
                        // Stored once the last byte has arrived, so a truncated body is never
                        // stored; and before that byte goes out, so a client that has the whole
                        // response finds it stored when it asks again at once.
                        if received.count == length {
                            cache.store(CachedResponse(status: status, headerFields: endToEndFields, body: received,
                                                       validUntil: destination.validUntil), for: destination.key)
                        }
                    }
                    try write(piece)
                }
            }
            return HTTPResponse(status: status, headerFields: headerFields, body: body)
        }
        // ANCHOR_END: relay-stream

        // ANCHOR: relay-whole
        // No length known up front (chunked, or until the upstream closes), or a HEAD: read the
        // whole body first; a failure is then still an answer, and the length is known.
        let body: [UInt8]
        do {
            // Chunked bodies arrive de-chunked (RFC 9112 §7.1), so what is stored is the content.
            body = try upstreamResponse.readWholeBody()
        } catch {
            // `readWholeBody` throws only HTTPClientError: its own sink never throws.
            return failure(error as? HTTPClientError ?? .connectionClosed)
        }
        if let destination {
            cache.store(CachedResponse(status: status, headerFields: endToEndFields, body: body,
                                       validUntil: destination.validUntil), for: destination.key)
        }
        return HTTPResponse(status: status, headerFields: headerFields, body: .bytes(body))
        // ANCHOR_END: relay-whole
    }

    // MARK: - When the upstream fails

    // ANCHOR: failure
    /// The answer when the upstream failed: `502 Bad Gateway`, or `504 Gateway Timeout` when it
    /// did not answer in time (RFC 9110 §15.6.3, §15.6.5), with one line saying what went wrong.
    private func failure(_ error: HTTPClientError) -> HTTPResponse {
        let upstream = client.upstream
        let reason = switch error {
        case .connectFailed(.system(_, ECONNREFUSED)): "upstream \(upstream) refused the connection"
        case .connectFailed(.timedOut): "upstream \(upstream) did not accept the connection in time"
        case .connectFailed(let socketError): "cannot connect to upstream \(upstream): \(socketError)"
        case .connectionClosed: "upstream \(upstream) closed the connection before a complete response"
        case .invalidResponse(let parseError): "upstream \(upstream) sent an invalid response: \(parseError.reason)"
        case .truncatedBody: "upstream \(upstream) closed the connection in the middle of the body"
        case .timedOut: "upstream \(upstream) did not answer in time"
        }
        return .text(error.status, reason)
    }
    // ANCHOR_END: failure
}
