import HTTPCore

// ANCHOR: cached-response
/// A complete upstream response kept in memory: its status, its end-to-end header fields as
/// received (hop-by-hop ones already removed), its whole body, de-chunked, and until when it is fresh.
///
/// The response a HIT sends is built once, when the entry is made: a HIT then copies nothing,
/// since `[UInt8]` and `HTTPFields` are copy-on-write and only their references are shared.
struct CachedResponse: Sendable {
    let status: HTTPStatus
    /// The upstream's end-to-end fields in the order received; the server replaces `Content-Length`,
    /// `Date` and `Server` when it sends them, as nginx does.
    let headerFields: HTTPFields
    let body: [UInt8]
    /// The instant from which a request for this entry goes upstream again (`EXPIRED`).
    let validUntil: ContinuousClock.Instant
    /// What this entry counts against `--max-size`: the body and the header lines as sent.
    let size: Int
    /// `headerFields` plus `X-Proxy-Cache: HIT` where nginx's `add_header` would add it.
    private let hitHeaderFields: HTTPFields

    /// An entry for a response with this status, these end-to-end fields and this whole body,
    /// fresh until `validUntil`.
    init(status: HTTPStatus, headerFields: HTTPFields, body: [UInt8], validUntil: ContinuousClock.Instant) {
        self.status = status
        self.headerFields = headerFields
        self.body = body
        self.validUntil = validUntil
        // "Name: value\r\n" per line: close enough to what the entry holds, and simple to check.
        size = Self.size(bodyCount: body.count, headerFields: headerFields)
        var hitHeaderFields = headerFields
        if CachingProxy.statusesWithAddedFields.contains(status.code) {
            hitHeaderFields.append(name: "X-Proxy-Cache", value: "HIT")
        }
        self.hitHeaderFields = hitHeaderFields
    }

    /// Whether a request at `now` may be answered with this entry instead of asking the upstream.
    func isFresh(at now: ContinuousClock.Instant) -> Bool {
        now < validUntil
    }

    /// The answer to a GET or HEAD that finds this entry fresh: the stored response, marked
    /// `X-Proxy-Cache: HIT` (for HEAD the server leaves out the body but keeps its length).
    func makeHitResponse() -> HTTPResponse {
        HTTPResponse(status: status, headerFields: hitHeaderFields, body: .bytes(body))
    }
}
// ANCHOR_END: cached-response

extension CachedResponse {
    /// What an entry with `bodyCount` bytes of body and `headerFields` counts against
    /// `--max-size`, so a response can be judged before its body is collected.
    static func size(bodyCount: Int, headerFields: HTTPFields) -> Int {
        bodyCount + headerFields.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
    }
}
