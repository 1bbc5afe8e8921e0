import HTTPCore

/// Serves the regular files under one root directory to GET and HEAD, with validators,
/// conditional requests and single byte ranges; never anything outside the root.
///
/// Every answer is complete: 200 or 206 with the file as a `.file` body (sent with `sendfile`,
/// never read into memory), 304 with the validators, or an error status with a one-line text
/// body. For HEAD it returns what GET would, body included: the server sends the head only.
struct FileServer: HTTPHandler {
    private let resolver: PathResolver

    /// The canonical absolute path of the directory served.
    var root: String { resolver.root }

    /// Serves the files under `root`; throws unless `root` is an existing directory.
    init(root: String) throws(PathResolver.RootError) {
        resolver = try PathResolver(root: root)
    }

    /// The response to `request`: the file its target names, part of it, 304, or an error.
    func respond(to request: HTTPRequest) -> HTTPResponse {
        // RFC 9110 §15.5.6: a 405 response lists the methods the target supports in Allow.
        guard request.method == .get || request.method == .head else {
            return .text(.methodNotAllowed, "only GET and HEAD are allowed", headerFields: ["Allow": "GET, HEAD"])
        }
        let path: String
        let file: OpenFile
        do throws(FileLookupError) {
            path = try PathResolver.decodedPath(ofTarget: request.head.path)
            file = try resolver.openFile(atDecodedPath: path)
        } catch {
            return .text(error.status, error.reason)
        }

        let entityTag = EntityTag(modificationTime: file.modificationTime, size: file.size)
        let lastModified = HTTPDate.format(secondsSinceEpoch: file.modificationTime)
        // RFC 9110 §13.2.1: preconditions are evaluated only where the response would be a 2xx
        // (the file exists); §13.2.2: before Range, so a 304 takes precedence over a 206.
        if isNotModified(request.headerFields, entityTag: entityTag, modificationTime: file.modificationTime) {
            // RFC 9110 §15.4.5: a 304 carries the ETag a 200 would; Last-Modified helps caches too.
            return HTTPResponse(status: .notModified,
                                headerFields: ["ETag": entityTag.description, "Last-Modified": lastModified])
        }

        var headerFields: HTTPFields = [
            "Content-Type": ContentType.forFile(named: path),
            "Last-Modified": lastModified,
            "ETag": entityTag.description,
            // RFC 9110 §14.3: tell clients they may ask for byte ranges.
            "Accept-Ranges": "bytes",
        ]
        switch selectedRange(of: request, file: file, entityTag: entityTag) {
        case .whole:
            return HTTPResponse(status: .ok, headerFields: headerFields, body: .file(file, offset: 0, count: file.size))
        case .part(let offsets):
            // RFC 9110 §14.4: a 206 names the bytes it carries and the full length.
            headerFields["Content-Range"] = "bytes \(offsets.lowerBound)-\(offsets.upperBound)/\(file.size)"
            let count = offsets.upperBound - offsets.lowerBound + 1
            return HTTPResponse(status: .partialContent, headerFields: headerFields,
                                body: .file(file, offset: offsets.lowerBound, count: count))
        case .unsatisfiable:
            // RFC 9110 §15.5.17: a 416 names the current length as `bytes */length`.
            return .text(.rangeNotSatisfiable, "range not satisfiable",
                         headerFields: ["Content-Range": "bytes */\(file.size)"])
        }
    }

    // MARK: - Conditional requests (RFC 9110 §13)

    // ANCHOR: is-not-modified
    /// Whether the client's copy is current, so that 304 answers (RFC 9110 §13.2.2, steps 3 and 4).
    private func isNotModified(_ fields: HTTPFields, entityTag: EntityTag, modificationTime: Int64) -> Bool {
        // RFC 9110 §13.2.2: If-None-Match is evaluated before If-Modified-Since, and when it is
        // present If-Modified-Since is ignored.
        if fields.contains("If-None-Match") {
            // Splitting on commas is exact here: our own tags never contain one.
            let elements = fields.listElements(for: "If-None-Match")
            // RFC 9110 §13.1.2: "*" matches any current representation, and the file exists.
            if elements == ["*"] { return true }
            // RFC 9110 §13.1.2: If-None-Match uses the weak comparison.
            return elements.contains { EntityTag(parsing: $0)?.matchesWeakly(entityTag) == true }
        }
        // RFC 9110 §13.1.3: If-Modified-Since is ignored unless it is exactly one valid HTTP-date.
        let dates = fields.values(for: "If-Modified-Since")
        guard dates.count == 1, let date = HTTPDate.parse(dates[0]) else { return false }
        // RFC 9110 §13.1.3: not modified when the last modification is at or before that date.
        return modificationTime <= date
    }
    // ANCHOR_END: is-not-modified

    // MARK: - Range requests (RFC 9110 §14)

    /// Which bytes of a file a response carries.
    private enum Selection {
        case whole
        case part(ClosedRange<Int64>)
        case unsatisfiable
    }

    /// The bytes of `file` that `request` asks for: the whole file unless it is a GET with one
    /// valid byte range and any If-Range still matches.
    private func selectedRange(of request: HTTPRequest, file: OpenFile, entityTag: EntityTag) -> Selection {
        // RFC 9110 §14.2: range handling is defined only for GET; other methods, HEAD included,
        // ignore Range. (nginx answers HEAD with a 206 head; we follow the RFC.)
        guard request.method == .get, let range = request.headerFields["Range"] else { return .whole }
        // RFC 9110 §13.1.5: when If-Range does not match, ignore Range and send everything.
        if let ifRange = request.headerFields["If-Range"],
           !ifRangeMatches(ifRange, entityTag: entityTag, modificationTime: file.modificationTime) {
            return .whole
        }
        // RFC 9110 §14.2: an invalid range set or an unknown unit is ignored.
        guard let ranges = ByteRange.parseRangeSet(range) else { return .whole }
        // RFC 9110 §14.2: a server MAY ignore Range; several ranges would need a
        // multipart/byteranges body (RFC 9110 §14.6), so they get the whole file.
        guard ranges.count == 1 else { return .whole }
        guard let offsets = ranges[0].offsets(inSize: file.size) else { return .unsatisfiable }
        return .part(offsets)
    }

    /// Whether an If-Range value names the current file: its ETag by strong comparison, or
    /// exactly its Last-Modified date (RFC 9110 §13.1.5).
    private func ifRangeMatches(_ value: String, entityTag: EntityTag, modificationTime: Int64) -> Bool {
        if let tag = EntityTag(parsing: value) {
            // RFC 9110 §13.1.5: If-Range compares entity tags strongly, so a weak tag never matches.
            return tag.matchesStrongly(entityTag)
        }
        // RFC 9110 §13.1.5: a date matches only if it equals Last-Modified exactly.
        return HTTPDate.parse(value) == modificationTime
    }
}
