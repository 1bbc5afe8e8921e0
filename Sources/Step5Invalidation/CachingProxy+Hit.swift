import HTTPCore
import NginxCache

extension CachingProxy {
    // MARK: - A HIT, from its file

    // ANCHOR: hit-response
    /// The answer to a GET or HEAD from the checked cache `file`: the stored response marked
    /// `X-Proxy-Cache: HIT`, its body sent from memory when the file was read whole and from the
    /// file with `sendfile(2)` otherwise, or, for a stored
    /// `200`, the `304` an origin would give a conditional request, and the `206` or `416` it
    /// would give a range request when the stored response has `Accept-Ranges: bytes`.
    ///
    /// The conditional and range rules are chapter 1's (`ConditionalRequest`), applied to the
    /// stored response's validators: its `ETag` and `Last-Modified`, as the origin sent them.
    func makeHitResponse(from file: CacheFile, to request: HTTPRequest) -> HTTPResponse {
        let status = file.storedHead.status
        // As on a MISS: hop-by-hop fields stop here; Date, Server and Content-Length are the server's.
        var headerFields = file.storedHead.headerFields.removingHopByHopFields()
        if Self.statusesWithAddedFields.contains(status.code) {
            headerFields.append(name: "X-Proxy-Cache", value: "HIT")
        }
        let length = file.bodyLength
        // Why check first: most requests ask for the whole image, and then the stored validators
        // need not be parsed at all (this is the path the benchmark measures).
        let asksConditionally = request.headerFields.contains("If-None-Match") || request.headerFields.contains("If-Modified-Since")
        let asksForRange = request.method == .get && request.headerFields.contains("Range")
        guard status == .ok, asksConditionally || asksForRange else {
            return HTTPResponse(status: status, headerFields: headerFields,
                                body: file.body(offset: 0, count: length))
        }
        let validators = Validators(entityTag: headerFields["ETag"].flatMap(EntityTag.init(parsing:)),
                                    lastModified: headerFields["Last-Modified"].flatMap(HTTPDate.parse))
        // RFC 9110 §13.2.2: If-None-Match, then If-Modified-Since, before Range.
        if ConditionalRequest.isNotModified(request.headerFields, validators: validators) {
            // RFC 9110 §15.4.5: a 304 carries the fields a 200 would that describe the stored
            // response's freshness and identity, and no others.
            var notModifiedFields = headerFields
            notModifiedFields.removeAll { !Self.fieldsKeptOnNotModified.contains(where: $0.name.equalsIgnoringASCIICase) }
            return HTTPResponse(status: .notModified, headerFields: notModifiedFields)
        }
        // As nginx does: ranges of a stored response only when its origin said it serves them
        // (RFC 9110 §14.3, `Accept-Ranges: bytes`); otherwise Range is ignored (RFC 9110 §14.2).
        let allowsRanges = headerFields.listElements(for: "Accept-Ranges").contains { $0.equalsIgnoringASCIICase("bytes") }
        let selection = allowsRanges ? ConditionalRequest.selectedRange(method: request.method, fields: request.headerFields,
                                                                        validators: validators, length: length) : .whole
        switch selection {
        case .whole:
            return HTTPResponse(status: .ok, headerFields: headerFields,
                                body: file.body(offset: 0, count: length))
        case .part(let offsets):
            // RFC 9110 §14.4: a 206 names the bytes it carries and the full length.
            headerFields["Content-Range"] = ConditionalRequest.contentRange(offsets, of: length)
            return HTTPResponse(status: .partialContent, headerFields: headerFields,
                                body: file.body(offset: offsets.lowerBound, count: offsets.upperBound - offsets.lowerBound + 1))
        case .unsatisfiable:
            // RFC 9110 §15.5.17: a 416 names the current length as `bytes */length`.
            return .text(.rangeNotSatisfiable, "range not satisfiable",
                         headerFields: ["Content-Range": ConditionalRequest.contentRange(nil, of: length)])
        }
    }
    // ANCHOR_END: hit-response

    /// The stored fields a `304` keeps (RFC 9110 §15.4.5), and the cache status.
    private static let fieldsKeptOnNotModified = [
        "Cache-Control", "Content-Location", "ETag", "Expires", "Last-Modified", "Vary", "X-Proxy-Cache",
    ]
}

extension CacheFile {
    /// `count` bytes of the body from `offset`: from memory when the file was read whole, else
    /// from the file with `sendfile(2)`.
    fileprivate func body(offset: Int64, count: Int64) -> HTTPResponseBody {
        if let bodyBytes {
            return .bytes(offset == 0 && count == bodyBytes.count ? bodyBytes : Array(bodyBytes[Int(offset)..<Int(offset + count)]))
        }
        return .file(file, offset: bodyOffset + offset, count: count)
    }
}
