import HTTPCore

// ANCHOR: cached-response
/// A complete upstream response kept in memory: its status, its end-to-end header fields as
/// received (hop-by-hop ones already removed) and its whole body, de-chunked.
///
/// The response a HIT sends is built once, when the entry is made: a HIT then copies nothing,
/// since `[UInt8]` and `HTTPFields` are copy-on-write and only their references are shared.
struct CachedResponse: Sendable {
    let status: HTTPStatus
    /// The upstream's end-to-end fields in the order received; the server replaces `Content-Length`,
    /// `Date` and `Server` when it sends them, as nginx does.
    let headerFields: HTTPFields
    let body: [UInt8]
    /// `headerFields` plus `X-Proxy-Cache: HIT`.
    private let hitHeaderFields: HTTPFields

    /// An entry for a response with this status, these end-to-end fields and this whole body.
    init(status: HTTPStatus, headerFields: HTTPFields, body: [UInt8]) {
        self.status = status
        self.headerFields = headerFields
        self.body = body
        var hitHeaderFields = headerFields
        hitHeaderFields.append(name: "X-Proxy-Cache", value: "HIT")
        self.hitHeaderFields = hitHeaderFields
    }

    /// The answer to a GET or HEAD that finds this entry: the stored response, marked
    /// `X-Proxy-Cache: HIT` (for HEAD the server leaves out the body but keeps its length).
    func makeHitResponse() -> HTTPResponse {
        HTTPResponse(status: status, headerFields: hitHeaderFields, body: .bytes(body))
    }
}
// ANCHOR_END: cached-response
