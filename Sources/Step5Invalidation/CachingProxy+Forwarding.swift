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
        // A body announced longer than the destination takes is not worth storing.
        let destination = destination.flatMap { destination in (length ?? 0) > destination.maxBodySize ? nil : destination }
        let makeStoredBody = { @Sendable in
            destination.flatMap { destination in
                destination.makeWriter(status, endToEndFields, length).map { StoredBody($0, limit: destination.maxBodySize) }
            }
        }

        // ANCHOR: relay-head
        // HEAD: the client gets no body. The upstream's (it was asked with GET) is read only to be
        // stored; otherwise it is never read, and its connection is dropped with the response.
        if request.method == .head {
            guard var stored = makeStoredBody() else {
                return HTTPResponse(status: status, headerFields: headerFields, body: .announcing(length))
            }
            let isComplete = (try? upstreamResponse.readBody { piece in
                // Past the limit nothing will be stored: stop reading instead of draining the rest.
                guard stored.append(piece) else { throw StoredBody.GaveUp() }
            }) != nil
            let count = stored.count
            if isComplete { stored.commit() }
            return HTTPResponse(status: status, headerFields: headerFields,
                                body: .announcing(length ?? (isComplete ? count : nil)))
        }
        // ANCHOR_END: relay-head

        // ANCHOR: relay-stream
        // GET and the rest: relay the body while it arrives.
        if upstreamResponse.framing == .none {
            _ = try? upstreamResponse.readBody { _ in }  // nothing to read: frees the connection for reuse
            var stored = makeStoredBody()
            stored?.commit()
            return HTTPResponse(status: status, headerFields: headerFields, body: .empty)
        }
        let body = HTTPResponseBody.stream(count: length.map(Int64.init)) { write in
            var stored = makeStoredBody()
            // If the upstream stops short (or resets a body that ends at the close) this throws,
            // the stored body is released unfinished (nothing is stored), and the server closes
            // the client's connection before the body's end (RFC 9112 §8: the only way to say
            // "incomplete" once the head is out).
            try upstreamResponse.readBody { piece in
                if stored?.append(piece) == false { stored = nil }
                // With a known length: stored once the last byte has arrived, so a truncated body
                // is never stored, and before that byte goes out, so a client that has the whole
                // response finds it stored when it asks again at once.
                if let length, stored?.count == length {
                    stored?.commit()
                    stored = nil
                }
                try write(piece)
            }
            // Without one, only the end of the upstream's body says it is complete; the client's
            // copy ends (its last chunk) only after this returns.
            stored?.commit()
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

/// A body on its way into storage, up to a limit: past the limit, or when its writer gives up,
/// it lets the writer go, so a body too large to store costs no more than one never stored.
private struct StoredBody {
    /// Thrown to stop reading a body once it is known not to be stored.
    struct GaveUp: Error {}

    /// `nil` once the body passed the limit, the writer gave up, or it was committed.
    private var writer: (any StorageWriter)?
    private let limit: Int
    /// The bytes handed to the writer so far.
    private(set) var count = 0

    init(_ writer: any StorageWriter, limit: Int) {
        self.writer = writer
        self.limit = limit
    }

    /// Adds `piece`; `false` once nothing will be stored.
    mutating func append(_ piece: ArraySlice<UInt8>) -> Bool {
        guard let writer, count + piece.count <= limit, writer.append(piece) else {
            writer = nil
            return false
        }
        count += piece.count
        return true
    }

    /// Stores the body, once.
    mutating func commit() {
        writer?.commit()
        writer = nil
    }
}

extension HTTPResponseBody {
    /// A body that is never sent (the answer to a HEAD), announced with `count` bytes, or
    /// chunked when `count` is `nil`, as the answer to a GET would be.
    fileprivate static func announcing(_ count: Int?) -> HTTPResponseBody {
        .stream(count: count.map(Int64.init)) { _ in }
    }
}
