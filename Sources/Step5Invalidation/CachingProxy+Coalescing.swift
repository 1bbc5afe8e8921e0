import HTTPCore
import Synchronization

extension CachingProxy {
    // MARK: - Request coalescing

    // ANCHOR: follow
    /// The answer to a miss that follows `ticket`'s fetch: the leader's status and fields, then its
    /// body from the first byte while it arrives; the leader's `502`/`504` if the upstream failed;
    /// `nil` when the answer is not shared, or none came within the upstream timeout.
    func follow(_ ticket: SharedFetch.Ticket, for request: HTTPRequest, key: CacheKey) -> HTTPResponse? {
        switch ticket.fetch.waitForOutcome(until: .now + client.responseTimeout) {
        case .notShared:
            return nil
        case .failed(let response):
            ProxyMetrics.increment(metrics.coalescedRequests)
            return response
        case .head(let status, let headerFields, let count, let hasBody):
            ProxyMetrics.increment(metrics.coalescedRequests)
            guard hasBody else { return HTTPResponse(status: status, headerFields: headerFields, body: .empty) }
            // A HEAD gets the head only (the server calls no producer for it); the ticket goes with the response.
            let body = HTTPResponseBody.stream(count: count) { [cache] write in
                var offset = 0
                var sent = SentBytes(cache: cache, key: key, total: count)
                defer { sent.finish() }
                // Throws when the upstream broke off, or this client fell too far behind: the
                // server then closes the connection before the body's end, as for the leader.
                while let bytes = try ticket.fetch.read(ticket, after: offset) {
                    offset += bytes.count
                    try sent.sending(bytes.count) { try write(bytes[...]) }
                }
            }
            return HTTPResponse(status: status, headerFields: headerFields, body: body)
        }
    }
    // ANCHOR_END: follow

    // ANCHOR: lead
    /// `response`, relayed from the upstream, with its body bytes counted for `key` once sent,
    /// and shared with the followers of `shared` when given: its head at once, each piece of its
    /// body as it passes, then its end or its breaking off.
    ///
    /// If this client goes away while followers read, the upstream's body is still read for them.
    func countingSentBytes(of response: HTTPResponse, for key: CacheKey, sharingWith shared: SharedFetch?) -> HTTPResponse {
        let lead = shared.map { takeLead(of: $0, with: response, for: key) }
        guard case .stream(let count, let producer) = response.body else { return response }
        let body = HTTPResponseBody.stream(count: count) { [cache] write in
            var received = 0
            var sent = SentBytes(cache: cache, key: key, total: count)
            var clientError: (any Error)?
            defer { sent.finish() }
            do {
                try producer { piece in
                    lead?.fetch.append(piece)
                    received += piece.count
                    // Ended once the last byte is in, before it goes out: a client that has the
                    // whole response and asks again at once must not find this fetch to follow
                    // (its request is a new use, which may store).
                    if let count, received == count { lead?.end(complete: true) }
                    guard clientError == nil else { return }
                    do {
                        try sent.sending(piece.count) { try write(piece) }
                    } catch {
                        // Followers still reading need the rest; otherwise stop here.
                        guard let lead, lead.fetch.hasReaders else { throw error }
                        clientError = error
                    }
                }
            } catch {
                lead?.end(complete: false)
                throw error
            }
            lead?.end(complete: true)
            if let clientError { throw clientError }
        }
        return HTTPResponse(status: response.status, headerFields: response.headerFields, body: body)
    }
    // ANCHOR_END: lead

    // ANCHOR: lead-head
    /// The answer to a HEAD that leads `shared`: `response`, relayed as to a GET, has its body read
    /// here for as long as a follower may need it or the cache stores it (up to `storingUpTo`
    /// bytes, `nil` when nothing is stored), while this client waits for its head.
    func leadingHead(with response: HTTPResponse, for key: CacheKey, sharingWith shared: SharedFetch,
                     storingUpTo limit: Int?) -> HTTPResponse {
        // The server sends no body for a HEAD: an empty producer announces the length a GET gets.
        let head = HTTPResponse(status: response.status, headerFields: response.headerFields,
                                body: .stream(count: response.body.count) { _ in })
        // Nobody follows yet and nothing is stored: step down, and read no body, as in step 4.
        if limit == nil, shared.followerCount == 0 {
            endSharing(shared, for: key, with: .notShared)
            return head
        }
        let lead = takeLead(of: shared, with: response, for: key)
        guard case .stream(_, let producer) = response.body else { return head }
        var received = 0
        do {
            try producer { piece in
                lead.fetch.append(piece)
                received += piece.count
                let isStoring = limit.map { received <= $0 } ?? false
                guard isStoring || lead.fetch.mayStillBeRead else { throw SharedFetch.BrokenOff() }
            }
            lead.end(complete: true)
        } catch {
            // Broken off, or of no more use: a follower still reading has its connection closed.
            lead.end(complete: false)
        }
        return head
    }
    // ANCHOR_END: lead-head

    /// Takes the lead of `shared` with `response`'s head: the followers get it at once, with the
    /// fields a HIT would give them (a cookie not stored is this client's alone).
    private func takeLead(of shared: SharedFetch, with response: HTTPResponse, for key: CacheKey) -> SharedLead {
        let lead = SharedLead(fetch: shared, key: key, fetches: sharedFetches)
        var fields = response.headerFields
        if !policy.replaysSetCookie { fields.removeAll { $0.name.equalsIgnoringASCIICase("Set-Cookie") } }
        let hasBody = if case .stream = response.body { true } else { false }
        lead.fetch.publish(.head(status: response.status, headerFields: fields, count: response.body.count, hasBody: hasBody))
        if !hasBody { lead.end(complete: true) }
        return lead
    }

    /// Ends `shared` before any body: its followers answer with `outcome`.
    func endSharing(_ shared: SharedFetch, for key: CacheKey, with outcome: SharedFetch.Outcome) {
        shared.publish(outcome)
        sharedFetches?.remove(shared, for: key)
    }
}

/// The body bytes a relayed response sends for a key, recorded in the statistics once: before its
/// last piece goes out when its length is known (a client that has the whole response and asks
/// `/stats` at once finds it counted), else when it ends.
private struct SentBytes {
    let cache: ResponseCache
    let key: CacheKey
    let total: Int64?
    private var count = 0
    private var isRecorded = false

    init(cache: ResponseCache, key: CacheKey, total: Int64?) {
        self.cache = cache
        self.key = key
        self.total = total
    }

    /// Sends `bytes` with `send`, counting them; taken back if `send` throws.
    mutating func sending(_ bytes: Int, _ send: () throws -> Void) throws {
        count += bytes
        if let total, Int64(count) == total { finish() }
        do {
            try send()
        } catch {
            count -= bytes
            if isRecorded { cache.recordSent(-bytes, for: key) }
            throw error
        }
    }

    /// Records the count, once.
    mutating func finish() {
        guard !isRecorded else { return }
        isRecorded = true
        cache.recordSent(count, for: key)
    }
}

/// A leader's hold on its shared fetch: ends it exactly once, and, if the response is dropped
/// before its body was relayed (the client went away first), breaks it off so that no follower
/// waits for bytes that will never come.
private final class SharedLead: Sendable {
    let fetch: SharedFetch
    let key: CacheKey
    let fetches: SharedFetches?
    private let isEnded = Atomic<Bool>(false)

    init(fetch: SharedFetch, key: CacheKey, fetches: SharedFetches?) {
        self.fetch = fetch
        self.key = key
        self.fetches = fetches
    }

    /// Ends the fetch: its body complete, or broken off.
    func end(complete: Bool) {
        guard !isEnded.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if complete { fetch.finish() } else { fetch.breakOff() }
        fetches?.remove(fetch, for: key)
    }

    deinit { end(complete: false) }
}
