import HTTPCore

// The forwarding plumbing every proxy step shares, the same in each step's copy of this file:
// asking the upstream, relaying its answer while it arrives, and answering its failures. What a
// step does with a complete answer (its lesson) reaches this file only as a `StorageDestination`.

extension CachingProxy {
    // MARK: - Forwarding the request

    // ANCHOR: forward
    /// The upstream's answer to `request`, forwarded as it is; the cache is neither read nor changed.
    func forward(_ request: HTTPRequest) -> HTTPResponse {
        do {
            let upstreamResponse = try client.send(method: request.method, target: upstreamTarget(of: request),
                                                   headerFields: forwardedFields(of: request), body: request.body)
            return relay(upstreamResponse, to: request, cacheStatus: nil, storingIn: nil)
        } catch {
            return failure(error)
        }
    }
    // ANCHOR_END: forward

    /// The target as the upstream gets it and the key holds it (nginx's `$request_uri`): the
    /// client's raw target, except that absolute-form (`GET http://host/1.jpg`, as sent to a
    /// forward proxy) becomes origin-form (`/1.jpg`), as RFC 9112 §3.2.1 requires toward an origin.
    func upstreamTarget(of request: HTTPRequest) -> String {
        request.head.originFormTarget ?? request.target
    }

    // MARK: - Relaying the response

    /// The client's response relaying `upstreamResponse`, marked with `cacheStatus` where nginx
    /// would add it, and stored in `destination` (when given) once its whole body has arrived.
    ///
    /// The body is relayed piece by piece while it arrives, with its `Content-Length` when the
    /// upstream announced one and chunked otherwise: memory holds one piece per connection, plus
    /// what is collected for storing, which `destination.maxBodySize` bounds. A body that breaks
    /// off after the head went out can no longer be answered with a status: the client's
    /// connection is closed before the body's end instead, and nothing is stored.
    func relay(_ upstreamResponse: HTTPClientResponse, to request: HTTPRequest, cacheStatus: String?,
               storingIn destination: StorageDestination?) -> HTTPResponse {
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
        let length = upstreamResponse.contentLength
        // A body announced longer than the destination takes is not worth collecting.
        let destination = destination.flatMap { destination in (length ?? 0) > destination.maxBodySize ? nil : destination }
        let store = { @Sendable (body: [UInt8]) in destination?.store(status, endToEndFields, body) }

        // ANCHOR: relay-head
        // HEAD: the client gets no body. The upstream's (it was asked with GET) is read only to be
        // stored; otherwise it is never read, and its connection is dropped with the response.
        if request.method == .head {
            guard let destination else {
                return HTTPResponse(status: status, headerFields: headerFields, body: .announcing(length))
            }
            var collector = BodyCollector(limit: destination.maxBodySize, announcedLength: length)
            let isComplete = (try? upstreamResponse.readBody { piece in
                // Past the limit nothing will be stored: stop reading instead of draining the rest.
                guard collector.append(piece) else { throw BodyCollector.LimitExceeded() }
            }) != nil
            if isComplete, let body = collector.bytes { store(body) }
            return HTTPResponse(status: status, headerFields: headerFields,
                                body: .announcing(length ?? (isComplete ? collector.bytes?.count : nil)))
        }
        // ANCHOR_END: relay-head

        // ANCHOR: relay-stream
        // GET and the rest: relay the body while it arrives.
        if upstreamResponse.framing == .none {
            _ = try? upstreamResponse.readBody { _ in }  // nothing to read: frees the connection for reuse
            store([])
            return HTTPResponse(status: status, headerFields: headerFields, body: .empty)
        }
        let body = HTTPResponseBody.stream(count: length.map(Int64.init)) { write in
            var collector = destination.map { BodyCollector(limit: $0.maxBodySize, announcedLength: length) }
            // If the upstream stops short (or resets a body that ends at the close) this throws,
            // and the server closes the client's connection before the body's end (RFC 9112 §8:
            // the only way to say "incomplete" once the head is out).
            try upstreamResponse.readBody { piece in
                if collector?.append(piece) == false { collector = nil }
                // With a known length: stored once the last byte has arrived, so a truncated body
                // is never stored, and before that byte goes out, so a client that has the whole
                // response finds it stored when it asks again at once.
                if let length, let bytes = collector?.bytes, bytes.count == length {
                    store(bytes)
                    collector = nil
                }
                try write(piece)
            }
            // Without one, only the end of the upstream's body says it is complete; the client's
            // copy ends (its last chunk) only after this returns.
            if let bytes = collector?.bytes { store(bytes) }
        }
        return HTTPResponse(status: status, headerFields: headerFields, body: body)
        // ANCHOR_END: relay-stream
    }

    // MARK: - When the upstream fails

    // ANCHOR: failure
    /// The answer when the upstream failed: `502 Bad Gateway`, `504 Gateway Timeout` when it did
    /// not answer in time (RFC 9110 §15.6.3, §15.6.5), with one line saying what went wrong.
    func failure(_ error: HTTPClientError) -> HTTPResponse {
        .text(error.status, error.reason(upstream: client.upstream))
    }
    // ANCHOR_END: failure
}

/// A body collected for storing, up to a limit: past the limit it lets go of what it had, so
/// a body too large to store costs no more memory than one that is not stored at all.
private struct BodyCollector {
    /// Thrown to stop reading a body once it is known not to be stored.
    struct LimitExceeded: Error {}

    /// The bytes so far; `nil` once the limit was passed.
    private(set) var bytes: [UInt8]?
    private let limit: Int

    init(limit: Int, announcedLength: Int?) {
        self.limit = limit
        var bytes: [UInt8] = []
        // Why reserve exactly the announced length: a stored array keeps its spare capacity,
        // which a size bound does not count. It is the upstream's word, so it is reserved only
        // within the limit and up to 64 MiB: a bogus length cannot allocate more before a byte came.
        if let announcedLength, announcedLength <= limit { bytes.reserveCapacity(min(announcedLength, 64 << 20)) }
        self.bytes = bytes
    }

    /// Adds `piece`; `false` once the body has passed the limit (and nothing is kept).
    mutating func append(_ piece: ArraySlice<UInt8>) -> Bool {
        guard let count = bytes?.count, count + piece.count <= limit else {
            bytes = nil
            return false
        }
        bytes?.append(contentsOf: piece)
        return true
    }
}

extension HTTPResponseBody {
    /// A body that is never sent (the answer to a HEAD), announced with `count` bytes, or
    /// chunked when `count` is `nil`, as the answer to a GET would be.
    fileprivate static func announcing(_ count: Int?) -> HTTPResponseBody {
        .stream(count: count.map(Int64.init)) { _ in }
    }
}
