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
        let validators = Validators(entityTag: entityTag, lastModified: file.modificationTime)
        let lastModified = HTTPDate.format(secondsSinceEpoch: file.modificationTime)
        // ANCHOR: conditional-and-range
        // RFC 9110 §13.2.1: preconditions are evaluated only where the response would be a 2xx
        // (the file exists); §13.2.2: before Range, so a 304 takes precedence over a 206.
        if ConditionalRequest.isNotModified(request.headerFields, validators: validators) {
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
        switch ConditionalRequest.selectedRange(method: request.method, fields: request.headerFields,
                                                validators: validators, length: file.size) {
        case .whole:
            return HTTPResponse(status: .ok, headerFields: headerFields, body: .file(file, offset: 0, count: file.size))
        case .part(let offsets):
            // RFC 9110 §14.4: a 206 names the bytes it carries and the full length.
            headerFields["Content-Range"] = ConditionalRequest.contentRange(offsets, of: file.size)
            let count = offsets.upperBound - offsets.lowerBound + 1
            return HTTPResponse(status: .partialContent, headerFields: headerFields,
                                body: .file(file, offset: offsets.lowerBound, count: count))
        case .unsatisfiable:
            // RFC 9110 §15.5.17: a 416 names the current length as `bytes */length`.
            return .text(.rangeNotSatisfiable, "range not satisfiable",
                         headerFields: ["Content-Range": ConditionalRequest.contentRange(nil, of: file.size)])
        }
        // ANCHOR_END: conditional-and-range
    }
}
