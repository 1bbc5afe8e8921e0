/// An HTTP/1.1 response-head parser for a client reading an upstream's answer: bytes in, a
/// response head and its framing or a typed error out.
///
/// It shares its line and field rules with `HTTPRequestParser` (through `HTTPHeadScanner`): bare
/// CR, NUL, obs-fold and whitespace before a colon are errors, a bare LF ends a line, and a prefix
/// of a head returns `nil` or throws the error the whole head would. Only the head limits apply:
/// the status line is held to `maxRequestLineLength` and, like a header section that is too large,
/// answers `.headerSectionTooLarge`; `maxContentLength` does not apply, since images can be large.
/// A malformed status line throws `.malformedStatusLine`; the other cases are shared with requests.
/// A proxy answers any of them with 502 Bad Gateway, which RFC 9112 §5.2 names as a proxy's
/// answer to obs-fold in a response.
///
/// Like `HTTPRequestParser`, it resumes where the previous call stopped: an upstream that trickles
/// its head costs linear time.
public struct HTTPResponseParser: Sendable {
    private typealias ASCII = HTTPHeadScanner.ASCII

    /// The method of the request this response answers: it decides whether content follows.
    public let requestMethod: HTTPMethod
    /// The limits this parser enforces.
    public let limits: HTTPParserLimits
    private var progress = HTTPHeadScanner.Progress()
    /// The status line, once it is complete, and where the field section starts.
    private var statusLine: (version: HTTPVersion, status: HTTPStatus, end: Int)?

    /// A parser for the head of the answer to a `requestMethod` request.
    public init(requestMethod: HTTPMethod, limits: HTTPParserLimits = .default) {
        self.requestMethod = requestMethod
        self.limits = limits
    }

    /// Parses the response head at the start of `bytes`, which must begin with the bytes every
    /// earlier call on this parser was given.
    ///
    /// - Returns: `nil` while the head is incomplete and no limit is exceeded yet; otherwise the
    ///   head, how its content is framed, and how many bytes of `bytes` the head used.
    public mutating func parse(
        _ bytes: ArraySlice<UInt8>
    ) throws(HTTPParseError) -> (head: HTTPResponseHead, framing: HTTPBodyFraming, headLength: Int)? {
        // Why a buffer pointer: indices from 0 whatever the slice's start, no per-byte bounds checks.
        try bytes.withUnsafeBufferPointer { (buffer) throws(HTTPParseError) in
            try parse(HTTPHeadScanner(bytes: buffer))
        }
    }

    /// Parses the complete response head at the start of `bytes`, the answer to a `requestMethod`
    /// request, in one call.
    public static func parseHead(
        _ bytes: ArraySlice<UInt8>,
        requestMethod: HTTPMethod,
        limits: HTTPParserLimits = .default
    ) throws(HTTPParseError) -> (head: HTTPResponseHead, framing: HTTPBodyFraming, headLength: Int)? {
        var parser = HTTPResponseParser(requestMethod: requestMethod, limits: limits)
        return try parser.parse(bytes)
    }

    // MARK: - Head

    /// Parses on from where the previous call stopped.
    private mutating func parse(
        _ scanner: HTTPHeadScanner
    ) throws(HTTPParseError) -> (head: HTTPResponseHead, framing: HTTPBodyFraming, headLength: Int)? {
        if statusLine == nil {
            let contentLimit = scanner.index(0, offsetBy: limits.maxRequestLineLength)
            guard let line = try scanner.line(from: 0, scanned: &progress.scanned, contentLimit: contentLimit,
                                              tooLong: .headerSectionTooLarge)
            else { return nil }
            let (version, status) = try Self.parseStatusLine(line.content, scanner)
            statusLine = (version, status, line.next)
            progress.startLine(at: line.next)
        }
        guard let (version, status, fieldsStart) = statusLine,
              let section = try scanner.fieldSection(from: fieldsStart, limits: limits, progress: &progress)
        else { return nil }
        var head = HTTPResponseHead(version: version, status: status, headerFields: section.fields)
        let framing = try Self.framing(of: section, head: &head, requestMethod: requestMethod, scanner)
        return (head, framing, section.end)
    }

    // MARK: - Status line

    /// Splits a status line, `HTTP-version SP status-code SP [reason-phrase]` (RFC 9112 §4).
    ///
    /// Like most clients it also accepts a status line that ends right after the code, without
    /// the space before an empty reason phrase, as some upstreams send it.
    private static func parseStatusLine(
        _ line: Range<Int>,
        _ scanner: HTTPHeadScanner
    ) throws(HTTPParseError) -> (HTTPVersion, HTTPStatus) {
        let bytes = scanner.bytes
        guard let versionEnd = scanner.firstIndex(of: ASCII.space, in: line) else { throw .malformedStatusLine }
        let version: HTTPVersion
        do {
            version = try scanner.version(in: line.lowerBound..<versionEnd)
        } catch .malformedRequestLine {
            throw .malformedStatusLine  // the scanner names its error for requests
        }
        let codeEnd = versionEnd + 4
        // RFC 9110 §15: a status code is three digits, and values outside 100...599 are invalid.
        guard codeEnd <= line.upperBound,
              let hundreds = ASCII.digitValue(bytes[versionEnd + 1]),
              let tens = ASCII.digitValue(bytes[versionEnd + 2]),
              let ones = ASCII.digitValue(bytes[versionEnd + 3]),
              (100...599).contains(hundreds * 100 + tens * 10 + ones),
              codeEnd == line.upperBound || bytes[codeEnd] == ASCII.space
        else { throw .malformedStatusLine }
        let reason = min(codeEnd + 1, line.upperBound)..<line.upperBound
        // RFC 9112 §4: reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ).
        for position in reason where !ASCII.isFieldValueCharacter(bytes[position]) {
            throw .invalidCharacter
        }
        return (version, HTTPStatus(code: hundreds * 100 + tens * 10 + ones, reasonPhrase: scanner.string(reason)))
    }

    // MARK: - Framing

    /// How the response's content is delimited (RFC 9112 §6.3), or why it cannot be read safely.
    ///
    /// When `Transfer-Encoding` overrides a `Content-Length`, the `Content-Length` lines are removed
    /// from `head`, so a proxy cannot forward a length that does not describe what it sends.
    private static func framing(
        of section: HTTPHeadScanner.FieldSection,
        head: inout HTTPResponseHead,
        requestMethod: HTTPMethod,
        _ scanner: HTTPHeadScanner
    ) throws(HTTPParseError) -> HTTPBodyFraming {
        // RFC 9112 §6.3 item 1: no content in a response to HEAD, nor in 1xx, 204 and 304.
        if requestMethod == .head || !head.status.allowsContent { return .none }
        // RFC 9112 §6.3 item 2: a 2xx answer to CONNECT turns the connection into a tunnel.
        if requestMethod == .connect, (200..<300).contains(head.status.code) { return .none }
        if let codings = scanner.transferCodings(of: section) {
            // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing.
            guard head.version != .http1_0 else { throw .invalidTransferEncoding }
            // RFC 9112 §6.1: chunked is never applied twice; seeing it twice is a smuggling sign.
            guard codings.chunkedCount <= 1 else { throw .invalidTransferEncoding }
            // RFC 9112 §6.3 item 3: Transfer-Encoding overrides Content-Length, and an intermediary
            // must remove the Content-Length before forwarding.
            head.headerFields.removeAll { $0.name.equalsIgnoringASCIICase("Content-Length") }
            // RFC 9112 §6.3 item 4: chunked last is chunked; otherwise the content runs to the close.
            return codings.isChunkedLast ? .chunked : .untilClose
        }
        // RFC 9112 §6.3 items 5 and 6: a valid Content-Length gives the length; an invalid one is
        // an unrecoverable error.
        if let length = try scanner.contentLength(of: section) {
            return length == 0 ? .none : .contentLength(length)
        }
        // RFC 9112 §6.3 item 8: otherwise the content ends when the server closes the connection.
        return .untilClose
    }
}
