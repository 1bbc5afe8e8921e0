/// An HTTP/1.1 request-head parser: bytes in, a request head or a typed error out.
///
/// It is strict where leniency lets two parsers disagree about where a request ends (request
/// smuggling, RFC 9112 §11.2): it rejects bare CR, NUL, obs-fold, whitespace before a colon,
/// conflicting or signed `Content-Length`, and `Content-Length` together with `Transfer-Encoding`.
/// It is lenient only where the RFC allows: leading empty lines and bare LF line endings.
///
/// A server calls `parse(_:)` after every read with all the bytes of the head received so far;
/// the parser resumes where the previous call stopped, so a head trickled in one byte at a time
/// costs linear time. A prefix of a head returns `nil` or throws the error the whole head would,
/// and limits are enforced on the bytes received so far, so an endless line is refused as soon as
/// it passes the limit. Field values are decoded as UTF-8; obs-text that is not UTF-8 becomes
/// U+FFFD. `parseHead(_:limits:)` parses a complete buffer in one call.
public struct HTTPRequestParser: Sendable {
    private typealias ASCII = HTTPHeadScanner.ASCII

    /// The limits this parser enforces.
    public let limits: HTTPParserLimits
    private var progress = HTTPHeadScanner.Progress()
    /// Bytes of the request line checked as possible method characters so far.
    private var methodScanned = 0
    /// The request line, once it is complete, and where the field section starts.
    private var requestLine: (method: HTTPMethod, target: String, version: HTTPVersion, end: Int)?

    /// A parser for one request head.
    public init(limits: HTTPParserLimits = .default) {
        self.limits = limits
    }

    /// Parses the request head at the start of `bytes`, which must begin with the bytes every
    /// earlier call on this parser was given.
    ///
    /// - Returns: `nil` while the head is incomplete and no limit is exceeded yet; otherwise the
    ///   head, how its content is framed, and how many bytes of `bytes` the head used. Start a
    ///   new parser for the next head.
    public mutating func parse(
        _ bytes: ArraySlice<UInt8>
    ) throws(HTTPParseError) -> (head: HTTPRequestHead, framing: HTTPBodyFraming, headLength: Int)? {
        // Why a buffer pointer: indices from 0 whatever the slice's start, no per-byte bounds checks.
        try bytes.withUnsafeBufferPointer { (buffer) throws(HTTPParseError) in
            try parse(HTTPHeadScanner(bytes: buffer))
        }
    }

    /// Parses the complete request head at the start of `bytes` in one call.
    public static func parseHead(
        _ bytes: ArraySlice<UInt8>,
        limits: HTTPParserLimits = .default
    ) throws(HTTPParseError) -> (head: HTTPRequestHead, framing: HTTPBodyFraming, headLength: Int)? {
        var parser = HTTPRequestParser(limits: limits)
        return try parser.parse(bytes)
    }

    // MARK: - Head

    /// Parses on from where the previous call stopped.
    private mutating func parse(
        _ scanner: HTTPHeadScanner
    ) throws(HTTPParseError) -> (head: HTTPRequestHead, framing: HTTPBodyFraming, headLength: Int)? {
        if requestLine == nil {
            guard let line = try scanRequestLine(scanner) else { return nil }
            let (method, target, version) = try Self.parseRequestLine(line.content, scanner)
            requestLine = (method, target, version, line.next)
            progress.startLine(at: line.next)
        }
        guard let (method, target, version, fieldsStart) = requestLine,
              let section = try scanner.fieldSection(from: fieldsStart, limits: limits, progress: &progress)
        else { return nil }
        // RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host line; no request has more than
        // one; and a Host with an invalid value is answered with 400 too.
        if section.hostValues.count > 1 || (version == .http1_1 && section.hostValues.isEmpty) {
            throw .missingOrDuplicateHost
        }
        if let host = section.hostValues.first, !Self.isValidHost(host, scanner) { throw .invalidHost }
        let framing = try Self.framing(of: section, version: version, scanner, limits: limits)
        let head = HTTPRequestHead(method: method, target: target, version: version, headerFields: section.fields)
        return (head, framing, section.end)
    }

    /// The request line, after any empty lines, or `nil` while it is incomplete.
    private mutating func scanRequestLine(_ scanner: HTTPHeadScanner) throws(HTTPParseError) -> HTTPHeadScanner.Line? {
        while true {
            let contentLimit = scanner.index(progress.lineStart, offsetBy: limits.maxRequestLineLength)
            // First, so that the earliest bad byte decides the error, as with every other check.
            try rejectImpossibleMethod(scanner, before: contentLimit)
            guard let line = try scanner.line(from: progress.lineStart, scanned: &progress.scanned,
                                              contentLimit: contentLimit, tooLong: .requestLineTooLong)
            else { return nil }
            if !line.content.isEmpty { return line }
            // RFC 9112 §2.2: ignore empty lines before the request line. They count against the
            // request-line limit, so a stream of them cannot grow the server's buffer forever.
            progress.startLine(at: line.next)
            methodScanned = line.next
            if progress.lineStart > limits.maxRequestLineLength { throw .requestLineTooLong }
        }
    }

    // MARK: - Request line

    /// Throws as soon as a request line cannot start with a method: a byte before the first
    /// space that is not a token character, even before the line has ended. Garbage (a TLS handshake, random bytes)
    /// is answered at once, as nginx does, instead of waiting for a line end that may never come.
    ///
    /// CR, LF and NUL are left to the line scanner, so that a prefix of the input throws exactly
    /// what the whole input would. It looks only below `limit`, where the line is too long
    /// anyway, so that the first bad byte decides the error. Resumes at `methodScanned`; once
    /// the method has ended, it stops looking.
    private mutating func rejectImpossibleMethod(_ scanner: HTTPHeadScanner, before limit: Int) throws(HTTPParseError) {
        var index = max(methodScanned, progress.lineStart)
        defer { methodScanned = index }
        while index < min(scanner.bytes.count, limit) {
            let byte = scanner.bytes[index]
            if byte == ASCII.space || byte == ASCII.carriageReturn || byte == ASCII.lineFeed || byte == 0 {
                index = Int.max  // the method has ended: nothing more to check
                return
            }
            // RFC 9110 §9.1: the method is a token.
            guard ASCII.isTokenCharacter(byte) else { throw .malformedRequestLine }
            index += 1
        }
    }

    /// Splits a request line, `method SP request-target SP HTTP-version` (RFC 9112 §3), with
    /// exactly one space between the parts.
    private static func parseRequestLine(
        _ line: Range<Int>,
        _ scanner: HTTPHeadScanner
    ) throws(HTTPParseError) -> (HTTPMethod, String, HTTPVersion) {
        guard let methodEnd = scanner.firstIndex(of: ASCII.space, in: line),
              let targetEnd = scanner.firstIndex(of: ASCII.space, in: methodEnd + 1..<line.upperBound)
        else { throw .malformedRequestLine }
        let methodBytes = line.lowerBound..<methodEnd
        let targetBytes = methodEnd + 1..<targetEnd
        // RFC 9110 §9.1: the method is a token.
        guard !methodBytes.isEmpty,
              methodBytes.allSatisfy({ ASCII.isTokenCharacter(scanner.bytes[$0]) })
        else { throw .malformedRequestLine }
        let version = try scanner.version(in: targetEnd + 1..<line.upperBound)
        let method = HTTPMethod(rawValue: scanner.string(methodBytes))
        guard isValidTarget(targetBytes, for: method, scanner) else { throw .malformedRequestLine }
        return (method, scanner.string(targetBytes), version)
    }

    /// Whether `target` is a request target in a form `method` may use (RFC 9112 §3.2).
    private static func isValidTarget(
        _ target: Range<Int>,
        for method: HTTPMethod,
        _ scanner: HTTPHeadScanner
    ) -> Bool {
        let bytes = scanner.bytes
        // RFC 9112 §3.2: no whitespace or control characters in a target (RFC 3986 has none), and
        // no fragment: a `#` is never part of a request target. Bytes above 0x7F are not URI
        // characters either, but clients send UTF-8 paths raw; they are accepted as UTF-8 only,
        // so the target is kept (and forwarded) exactly as received.
        guard !target.isEmpty, target.allSatisfy({ bytes[$0] > 0x20 && bytes[$0] != 0x7F && bytes[$0] != UInt8(ascii: "#") }),
              String(validating: UnsafeBufferPointer(rebasing: bytes[target]), as: UTF8.self) != nil
        else { return false }
        // RFC 9112 §3.2.3: CONNECT uses the authority-form, `host:port`, and only CONNECT does.
        if method == .connect {
            guard let colon = target.last(where: { bytes[$0] == ASCII.colon }) else { return false }
            let host = target.lowerBound..<colon, port = colon + 1..<target.upperBound
            return !host.isEmpty && !host.contains { bytes[$0] == UInt8(ascii: "/") }
                && !port.isEmpty && port.allSatisfy { ASCII.digitValue(bytes[$0]) != nil }
        }
        // RFC 9112 §3.2.1: the origin-form, an absolute path and an optional query.
        if bytes[target.lowerBound] == UInt8(ascii: "/") { return true }
        // RFC 9112 §3.2.4: the asterisk-form, only for a server-wide OPTIONS.
        if scanner.equals(target, "*") { return method == .options }
        // RFC 9112 §3.2.2: the absolute-form; RFC 9110 §4.2.1: an http(s) URI has a non-empty host.
        for scheme: StaticString in ["http://", "https://"] {
            let authorityStart = target.lowerBound + scheme.utf8CodeUnitCount
            guard authorityStart < target.upperBound,
                  scanner.equals(target.lowerBound..<authorityStart, scheme, ignoringCase: true)
            else { continue }
            var authorityEnd = authorityStart
            while authorityEnd < target.upperBound, bytes[authorityEnd] != UInt8(ascii: "/"), bytes[authorityEnd] != UInt8(ascii: "?") {
                authorityEnd += 1
            }
            // RFC 9110 §4.2.4: userinfo (`user@host`) in an http(s) URI is an error.
            return isValidHost(authorityStart..<authorityEnd, scanner)
        }
        return false
    }

    /// Whether `range` is `uri-host [ ":" port ]` (RFC 3986 §3.2.2 and §3.2.3), as a `Host`
    /// value or the authority of an absolute-form target.
    ///
    /// `uri-host` is an IP literal in brackets, or a reg-name of unreserved characters,
    /// sub-delims and percent-encodings (an IPv4 address is one too): no space, `/`, `@` or `#`.
    /// It is not empty: RFC 9110 §4.2.1 has a recipient reject an http URI with an empty host
    /// (nginx answers an empty `Host` with 400 too).
    private static func isValidHost(_ range: Range<Int>, _ scanner: HTTPHeadScanner) -> Bool {
        let bytes = scanner.bytes
        guard !range.isEmpty else { return false }
        var index = range.lowerBound
        if bytes[index] == UInt8(ascii: "[") {
            // RFC 3986 §3.2.2: IP-literal, hex digits, colons and dots (and IPvFuture's characters).
            index += 1
            while index < range.upperBound, bytes[index] != UInt8(ascii: "]") {
                guard ASCII.isUnreservedOrSubDelimiter(bytes[index]) || bytes[index] == ASCII.colon else { return false }
                index += 1
            }
            guard index < range.upperBound, index > range.lowerBound + 1 else { return false }
            index += 1
        } else {
            while index < range.upperBound, bytes[index] != ASCII.colon {
                if bytes[index] == UInt8(ascii: "%") {
                    // RFC 3986 §2.1: a percent sign starts exactly two hex digits.
                    guard index + 2 < range.upperBound, ASCII.hexDigitValue(bytes[index + 1]) != nil,
                          ASCII.hexDigitValue(bytes[index + 2]) != nil
                    else { return false }
                    index += 3
                    continue
                }
                guard ASCII.isUnreservedOrSubDelimiter(bytes[index]) else { return false }
                index += 1
            }
        }
        // RFC 3986 §3.2.3: port = *DIGIT.
        guard index < range.upperBound else { return true }
        guard bytes[index] == ASCII.colon else { return false }
        return (index + 1..<range.upperBound).allSatisfy { ASCII.digitValue(bytes[$0]) != nil }
    }

    // MARK: - Framing

    // ANCHOR: framing
    /// How the request's content is delimited (RFC 9112 §6.3), or why it cannot be read safely.
    private static func framing(
        of section: HTTPHeadScanner.FieldSection,
        version: HTTPVersion,
        _ scanner: HTTPHeadScanner,
        limits: HTTPParserLimits
    ) throws(HTTPParseError) -> HTTPBodyFraming {
        if let codings = scanner.transferCodings(of: section) {
            // RFC 9112 §6.1: a server MAY reject Content-Length together with Transfer-Encoding,
            // the classic smuggling vector; it does.
            guard section.contentLengthValues.isEmpty else { throw .contentLengthWithTransferEncoding }
            // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing.
            guard version != .http1_0 else { throw .invalidTransferEncoding }
            // RFC 9112 §6.1 and §6.3 item 4: chunked is applied at most once, and must be the final
            // coding; otherwise the length cannot be determined and the answer is 400.
            guard codings.chunkedCount <= 1, codings.chunkedCount == 0 || codings.isChunkedLast else {
                throw .invalidTransferEncoding
            }
            // RFC 9112 §6.1: a coding the server does not understand is answered with 501 (as
            // nginx does, also when chunked is missing).
            guard !codings.hasOtherCoding else { throw .unsupportedTransferCoding }
            // A list of empty elements names no coding at all.
            guard codings.chunkedCount == 1 else { throw .invalidTransferEncoding }
            return .chunked
        }
        guard let length = try scanner.contentLength(of: section) else {
            // RFC 9112 §6.3 item 7: a request with neither field has no content.
            return .none
        }
        guard length <= limits.maxContentLength else { throw .contentTooLarge }
        return length == 0 ? .none : .contentLength(length)
    }
    // ANCHOR_END: framing
}
