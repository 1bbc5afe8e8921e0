/// The byte-level half of the head parsers: finds lines, parses field lines, and reads the
/// version and the framing fields; shared by `HTTPRequestParser` and `HTTPResponseParser`.
///
/// Contract: the scanner reads one parse attempt's bytes, indexed from 0, and reports errors in
/// the order their bytes arrive. So parsing a prefix of a head either returns `nil` or throws the
/// error the whole head would throw. A parse resumes where the previous attempt on a shorter
/// prefix stopped (`Progress`), so a head that arrives one byte at a time costs linear time, not
/// quadratic.
///
/// Why bytes: a server parses tens of thousands of heads per second, so boundaries are found on
/// bytes and each name, value and target becomes a `String` once, never byte by byte.
struct HTTPHeadScanner {
    /// One line of the head: its content without the line ending, and where the next line starts.
    struct Line {
        var content: Range<Int>
        var next: Int
    }

    /// How far a parse got in the bytes it has seen: kept between attempts on longer prefixes of
    /// the same head, so no byte is scanned twice.
    struct Progress {
        /// Where the line being scanned starts.
        var lineStart = 0
        /// Every byte of that line before this index is plain content: no line end, no NUL, no
        /// bare CR, within the limit. Scanning resumes here.
        var scanned = 0
        /// The fields read so far, once the start line is behind.
        var section = FieldSection()
        var fields: [HTTPFields.Field] = []

        /// Moves on to the line starting at `start`.
        mutating func startLine(at start: Int) {
            lineStart = start
            scanned = start
        }
    }

    /// A parsed field section, with the lines the parsers check later kept as byte ranges.
    struct FieldSection {
        var fields = HTTPFields()
        /// The index just after the empty line that ends the head.
        var end = 0
        var hostValues: [Range<Int>] = []
        var contentLengthValues: [Range<Int>] = []
        var transferEncodingValues: [Range<Int>] = []
    }

    /// What the `Transfer-Encoding` lines list, all lines together (RFC 9112 §6.1).
    struct TransferCodings {
        var chunkedCount = 0
        var isChunkedLast = false
        var hasOtherCoding = false
    }

    let bytes: UnsafeBufferPointer<UInt8>

    // MARK: - Lines

    /// The index `length` bytes after `start`, clamped to the end of the bytes so that a huge
    /// limit cannot overflow (an index at or past the end is never reached anyway).
    func index(_ start: Int, offsetBy length: Int) -> Int {
        start + min(length, bytes.count - start)
    }

    /// The line starting at `start`, or `nil` while its line ending has not arrived.
    ///
    /// Scanning begins at `scanned` (bytes before it were checked by an earlier attempt); on `nil`,
    /// `scanned` says where the next attempt resumes.
    ///
    /// - Throws: `tooLong` for a byte other than CR or LF at or after `contentLimit`, and
    ///   `.invalidCharacter` for a NUL or a bare CR.
    func line(from start: Int, scanned: inout Int, contentLimit: Int, tooLong: HTTPParseError) throws(HTTPParseError) -> Line? {
        var index = max(start, scanned)
        defer { scanned = index }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == ASCII.lineFeed {
                // RFC 9112 §2.2: a recipient MAY accept a bare LF as a line terminator.
                return Line(content: start..<index, next: index + 1)
            }
            if byte == ASCII.carriageReturn {
                guard index + 1 < bytes.count else { return nil }
                // RFC 9112 §2.2: a bare CR makes the element invalid.
                guard bytes[index + 1] == ASCII.lineFeed else { throw .invalidCharacter }
                return Line(content: start..<index, next: index + 2)
            }
            if index >= contentLimit { throw tooLong }
            if byte == 0 { throw .invalidCharacter }
            index += 1
        }
        return nil
    }

    /// The first index of `byte` in `range`, if any.
    func firstIndex(of byte: UInt8, in range: Range<Int>) -> Int? {
        var index = range.lowerBound
        while index < range.upperBound {
            if bytes[index] == byte { return index }
            index += 1
        }
        return nil
    }

    /// The bytes in `range` as a string; invalid UTF-8 (possible in obs-text) becomes U+FFFD.
    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    // MARK: - Field section

    /// The field lines from `start` up to and including the empty line, or `nil` while incomplete.
    ///
    /// Resumes from `progress` (whose line must be at or after `start`) and records how far it got.
    ///
    /// - Throws: `.headerSectionTooLarge` once the section cannot end within
    ///   `limits.maxHeaderSectionLength` bytes or has more than `limits.maxHeaderFieldCount` lines,
    ///   and the errors of `parseFieldLine(_:)`.
    func fieldSection(from start: Int, limits: HTTPParserLimits, progress: inout Progress) throws(HTTPParseError) -> FieldSection? {
        let sectionLimit = index(start, offsetBy: limits.maxHeaderSectionLength)
        while true {
            // A CR at the limit waits for the next byte: with an LF the line is too large, with
            // anything else the CR is invalid, and the error must be the one the whole head gives.
            guard let line = try line(from: progress.lineStart, scanned: &progress.scanned,
                                      contentLimit: sectionLimit, tooLong: .headerSectionTooLarge)
            else { return nil }
            if line.next > sectionLimit { throw .headerSectionTooLarge }
            if line.content.isEmpty {
                var section = progress.section
                section.fields = HTTPFields(progress.fields)
                section.end = line.next
                return section
            }
            if progress.fields.count == limits.maxHeaderFieldCount { throw .headerSectionTooLarge }
            let (name, value) = try parseFieldLine(line.content)
            if equals(name, "host", ignoringCase: true) {
                progress.section.hostValues.append(value)
            } else if equals(name, "content-length", ignoringCase: true) {
                progress.section.contentLengthValues.append(value)
            } else if equals(name, "transfer-encoding", ignoringCase: true) {
                progress.section.transferEncodingValues.append(value)
            }
            progress.fields.append(HTTPFields.Field(name: string(name), valueBytes: UnsafeBufferPointer(rebasing: bytes[value])))
            progress.startLine(at: line.next)
        }
    }

    /// Splits a field line, `name ":" OWS value OWS` (RFC 9112 §5), into its name and trimmed value.
    func parseFieldLine(_ line: Range<Int>) throws(HTTPParseError) -> (name: Range<Int>, value: Range<Int>) {
        // RFC 9112 §5.2: a server must reject obs-fold (a line starting with whitespace) or replace
        // it; rejecting also covers whitespace between the start line and the first field (§2.2).
        if ASCII.isWhitespace(bytes[line.lowerBound]) { throw .obsoleteLineFolding }
        var index = line.lowerBound
        while index < line.upperBound, ASCII.isTokenCharacter(bytes[index]) { index += 1 }
        let name = line.lowerBound..<index
        if index < line.upperBound, ASCII.isWhitespace(bytes[index]) {
            while index < line.upperBound, ASCII.isWhitespace(bytes[index]) { index += 1 }
            // RFC 9112 §5.1: whitespace between the name and the colon must be rejected with 400.
            if index < line.upperBound, bytes[index] == ASCII.colon { throw .whitespaceBeforeColon }
            throw .malformedHeaderField
        }
        // RFC 9110 §5.1: the name is a non-empty token, followed by the colon.
        guard !name.isEmpty, index < line.upperBound, bytes[index] == ASCII.colon else {
            throw .malformedHeaderField
        }
        let value = trimmingWhitespace(index + 1..<line.upperBound)
        // RFC 9110 §5.5: a value holds HTAB, SP, VCHAR and obs-text; other controls are invalid.
        for position in value where !ASCII.isFieldValueCharacter(bytes[position]) {
            throw .invalidCharacter
        }
        return (name, value)
    }

    /// `range` without leading and trailing spaces and tabs (RFC 9110 §5.6.3 OWS).
    func trimmingWhitespace(_ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound, upper = range.upperBound
        while lower < upper, ASCII.isWhitespace(bytes[lower]) { lower += 1 }
        while upper > lower, ASCII.isWhitespace(bytes[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    /// Whether the bytes in `range` equal `literal`; with `ignoringCase`, `literal` is lowercase
    /// and ASCII letters match in either case.
    func equals(_ range: Range<Int>, _ literal: StaticString, ignoringCase: Bool = false) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        return literal.withUTF8Buffer { expected in
            var offset = 0
            while offset < expected.count {
                let byte = bytes[range.lowerBound + offset]
                guard (ignoringCase ? ASCII.lowercased(byte) : byte) == expected[offset] else { return false }
                offset += 1
            }
            return true
        }
    }

    /// Calls `body` with each comma-separated element of `values`, trimmed, empty ones included
    /// (RFC 9110 §5.6.1).
    func forEachListElement<Failure: Error>(
        in values: [Range<Int>],
        _ body: (Range<Int>) throws(Failure) -> Void
    ) throws(Failure) {
        for value in values {
            var elementStart = value.lowerBound
            while elementStart <= value.upperBound {
                let elementEnd = firstIndex(of: ASCII.comma, in: elementStart..<value.upperBound) ?? value.upperBound
                try body(trimmingWhitespace(elementStart..<elementEnd))
                elementStart = elementEnd + 1
            }
        }
    }

    // MARK: - Version and framing fields

    /// The version in `range`, which must read exactly `HTTP/D.D` (RFC 9112 §2.3).
    ///
    /// - Throws: `.malformedRequestLine` when it is not of that form, `.unsupportedVersion` for a
    ///   well-formed version other than 1.0 and 1.1.
    func version(in range: Range<Int>) throws(HTTPParseError) -> HTTPVersion {
        let start = range.lowerBound
        // RFC 9112 §2.3: "HTTP" is case-sensitive, and each version number is a single digit.
        guard range.count == 8, equals(start..<start + 5, "HTTP/"),
              let major = ASCII.digitValue(bytes[start + 5]), bytes[start + 6] == UInt8(ascii: "."),
              let minor = ASCII.digitValue(bytes[start + 7])
        else { throw .malformedRequestLine }
        let version = HTTPVersion(major: major, minor: minor)
        guard version == .http1_1 || version == .http1_0 else { throw .unsupportedVersion }
        return version
    }

    /// The section's `Content-Length`, or `nil` when it has none.
    ///
    /// - Throws: `.invalidContentLength` unless every element of every line is `1*DIGIT` (at most
    ///   18 digits, so it fits an `Int`) and all of them are equal (RFC 9110 §8.6, RFC 9112 §6.3).
    func contentLength(of section: FieldSection) throws(HTTPParseError) -> Int? {
        var length: Int?
        try forEachListElement(in: section.contentLengthValues) { (element) throws(HTTPParseError) in
            // RFC 9112 §6.3 item 5: an invalid or disagreeing length is an unrecoverable error;
            // no sign, no hex, no empty element, and a digit cap against overflow.
            guard (1...18).contains(element.count) else { throw .invalidContentLength }
            var number = 0
            for position in element {
                guard let digit = ASCII.digitValue(bytes[position]) else { throw .invalidContentLength }
                number = number * 10 + digit
            }
            guard length == nil || length == number else { throw .invalidContentLength }
            length = number
        }
        return length
    }

    /// The codings the section's `Transfer-Encoding` lines list, or `nil` when it has none.
    func transferCodings(of section: FieldSection) -> TransferCodings? {
        guard !section.transferEncodingValues.isEmpty else { return nil }
        var codings = TransferCodings()
        forEachListElement(in: section.transferEncodingValues) { element in
            // RFC 9110 §5.6.1: empty list elements are ignored.
            if element.isEmpty { return }
            // RFC 9112 §7: coding names are case-insensitive.
            let isChunked = equals(element, "chunked", ignoringCase: true)
            if isChunked { codings.chunkedCount += 1 } else { codings.hasOtherCoding = true }
            codings.isChunkedLast = isChunked
        }
        return codings
    }
}

extension HTTPHeadScanner {
    /// The byte values and character classes the HTTP grammar uses (RFC 9110 §5.6, RFC 9112 §2).
    enum ASCII {
        static let horizontalTab: UInt8 = 0x09
        static let lineFeed: UInt8 = 0x0A
        static let carriageReturn: UInt8 = 0x0D
        static let space: UInt8 = 0x20
        static let comma = UInt8(ascii: ",")
        static let colon = UInt8(ascii: ":")
        static let semicolon = UInt8(ascii: ";")

        /// Whether `byte` is SP or HTAB, the whitespace of OWS and BWS (RFC 9110 §5.6.3).
        static func isWhitespace(_ byte: UInt8) -> Bool {
            byte == space || byte == horizontalTab
        }

        /// Whether `byte` is a `tchar`, a character of a token such as a method or field name (RFC 9110 §5.6.2).
        static func isTokenCharacter(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
                 UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
                true
            default:
                false
            }
        }

        /// Whether `byte` is unreserved or a sub-delim in a URI (RFC 3986 §2.2, §2.3): what a host
        /// name or a path segment holds as itself.
        static func isUnreservedOrSubDelimiter(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"),
                 UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
                 UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="):
                true
            default:
                false
            }
        }

        /// Whether `byte` may appear in a field value or reason phrase: HTAB, SP, VCHAR or obs-text (RFC 9110 §5.5).
        static func isFieldValueCharacter(_ byte: UInt8) -> Bool {
            byte == horizontalTab || (byte >= space && byte != 0x7F)
        }

        /// The value of a decimal digit, or `nil` for any other byte.
        static func digitValue(_ byte: UInt8) -> Int? {
            byte &- UInt8(ascii: "0") < 10 ? Int(byte &- UInt8(ascii: "0")) : nil
        }

        /// The value of a hexadecimal digit in either case, or `nil` for any other byte.
        static func hexDigitValue(_ byte: UInt8) -> Int? {
            if let digit = digitValue(byte) { return digit }
            let letter = lowercased(byte) &- UInt8(ascii: "a")
            return letter < 6 ? Int(letter) + 10 : nil
        }

        /// `byte` with an ASCII capital letter turned into its lowercase letter.
        static func lowercased(_ byte: UInt8) -> UInt8 {
            byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
        }
    }
}
