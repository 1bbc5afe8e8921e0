/// An incremental, pure decoder of the chunked transfer coding (RFC 9112 §7.1): chunked bytes
/// in, content out, for request bodies on the server and response bodies on the client.
///
/// Feed it whatever bytes have arrived; it consumes what it can and appends the decoded content
/// to the output. It stops right after the trailer section's final line ending, so the bytes of a
/// pipelined next message stay unconsumed. Chunk extensions are skipped and trailer fields are
/// discarded, both within a bound; a bare LF may end any line (RFC 9112 §2.2). Once it has thrown,
/// it throws the same error again: a connection cannot get back in sync after a framing error.
public struct ChunkedDecoder: Sendable {
    /// The most hexadecimal digits in a chunk size: 15 keeps every size below 2^60, far from overflow.
    public static let maxChunkSizeDigits = 15
    /// The longest chunk-size line, extensions included and the line ending excluded.
    public static let maxChunkSizeLineLength = 4096
    /// The largest trailer section, from after the last chunk's line to its final line ending included.
    public static let maxTrailerSectionLength = 8192

    /// The most content this decoder delivers; `nil` for no limit.
    public let maxContentLength: Int?

    /// Whether the whole chunked content, last chunk and trailer section included, has been consumed.
    public var isComplete: Bool { state == .complete }

    private typealias ASCII = HTTPHeadScanner.ASCII

    /// Where in the chunked grammar the next byte belongs.
    private enum State: Equatable, Sendable {
        case chunkSize
        /// After the size digits: optional whitespace, then `;` or the line ending.
        case afterChunkSize
        case chunkExtension
        case chunkData(remaining: Int)
        /// The line ending that must follow each chunk's data.
        case chunkDataEnd
        /// The start of a trailer field line, or the empty line that ends the message.
        case trailerLineStart
        case trailerLine
        /// A CR was read; only an LF may follow.
        case lineFeed(ending: LineKind)
        case complete
        case failed(HTTPParseError)
    }

    /// The kinds of line a line ending can end.
    private enum LineKind: Equatable, Sendable {
        case chunkSize, chunkData, trailerField, lastLine
    }

    private var state = State.chunkSize
    private var chunkSize = 0
    private var chunkSizeDigits = 0
    private var chunkSizeLineLength = 0
    private var trailerSectionLength = 0
    private var announcedLength = 0

    /// Creates a decoder for one message's content, refusing more than `maxContentLength` bytes.
    public init(maxContentLength: Int? = nil) {
        self.maxContentLength = maxContentLength
    }

    /// Decodes as much of `input` as possible, appending the content to `output`.
    ///
    /// - Returns: How many bytes of `input` were consumed; fewer than `input.count` only once the
    ///   message is complete.
    /// - Throws: `.malformedChunkedBody` for anything that does not follow the grammar or exceeds
    ///   a bound, `.contentTooLarge` as soon as a chunk size announces more than `maxContentLength`.
    public mutating func decode(_ input: ArraySlice<UInt8>, into output: inout [UInt8]) throws(HTTPParseError) -> Int {
        if case .failed(let error) = state { throw error }
        var index = input.startIndex
        do {
            while index < input.endIndex, state != .complete {
                if case .chunkData(let remaining) = state {
                    // Why a bulk copy: chunk data is most of the bytes; only the framing goes byte by byte.
                    let count = min(remaining, input.endIndex - index)
                    output.append(contentsOf: input[index..<index + count])
                    index += count
                    state = count == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - count)
                } else {
                    try consume(input[index])
                    index += 1
                }
            }
        } catch {
            state = .failed(error)
            throw error
        }
        return index - input.startIndex
    }

    // MARK: - One byte at a time

    /// Advances the state machine by one framing byte.
    private mutating func consume(_ byte: UInt8) throws(HTTPParseError) {
        switch state {
        case .trailerLineStart, .trailerLine, .lineFeed(ending: .trailerField), .lineFeed(ending: .lastLine):
            // RFC 9112 §7.1.2: trailer fields are discarded here, but their size is still bounded.
            trailerSectionLength += 1
            guard trailerSectionLength <= Self.maxTrailerSectionLength else { throw .malformedChunkedBody }
        default:
            break
        }
        switch state {
        case .chunkSize, .afterChunkSize, .chunkExtension:
            if byte != ASCII.carriageReturn, byte != ASCII.lineFeed {
                chunkSizeLineLength += 1
                guard chunkSizeLineLength <= Self.maxChunkSizeLineLength else { throw .malformedChunkedBody }
            }
            try consumeChunkSizeLine(byte)
        case .chunkDataEnd:
            // RFC 9112 §7.1: chunk data is followed by CRLF, and nothing else.
            guard try consumeLineEnding(byte, ending: .chunkData) else { throw .malformedChunkedBody }
        case .trailerLineStart, .trailerLine:
            let ending: LineKind = state == .trailerLineStart ? .lastLine : .trailerField
            if try consumeLineEnding(byte, ending: ending) { return }
            guard ASCII.isFieldValueCharacter(byte) else { throw .malformedChunkedBody }
            state = .trailerLine
        case .lineFeed(let line):
            // RFC 9112 §2.2: a bare CR is invalid.
            guard byte == ASCII.lineFeed else { throw .malformedChunkedBody }
            try finish(line)
        case .chunkData, .complete, .failed:
            preconditionFailure("decode(_:into:) handles \(state) itself")
        }
    }

    /// Consumes a byte of `chunk-size [chunk-ext] CRLF` (RFC 9112 §7.1).
    private mutating func consumeChunkSizeLine(_ byte: UInt8) throws(HTTPParseError) {
        switch state {
        case .chunkSize:
            if let digit = ASCII.hexDigitValue(byte) {
                // RFC 9112 §7.1: chunk-size = 1*HEXDIG; the digit cap keeps it from overflowing.
                guard chunkSizeDigits < Self.maxChunkSizeDigits else { throw .malformedChunkedBody }
                chunkSize = chunkSize << 4 | digit
                chunkSizeDigits += 1
                return
            }
            guard chunkSizeDigits > 0 else { throw .malformedChunkedBody }
            state = .afterChunkSize
            fallthrough
        case .afterChunkSize:
            // RFC 9112 §7.1.1: BWS may precede the `;` of an extension.
            if ASCII.isWhitespace(byte) { return }
            if byte == ASCII.semicolon {
                state = .chunkExtension
                return
            }
            guard try consumeLineEnding(byte, ending: .chunkSize) else { throw .malformedChunkedBody }
        case .chunkExtension:
            // RFC 9112 §7.1.1: extensions are skipped; they hold tokens and quoted strings, no controls.
            if try consumeLineEnding(byte, ending: .chunkSize) { return }
            guard ASCII.isFieldValueCharacter(byte) else { throw .malformedChunkedBody }
        default:
            preconditionFailure("consume(_:) sends only chunk-size line bytes here")
        }
    }

    /// Consumes `byte` if it is a CR or LF that ends a `line`, and tells whether it was.
    private mutating func consumeLineEnding(_ byte: UInt8, ending line: LineKind) throws(HTTPParseError) -> Bool {
        switch byte {
        case ASCII.carriageReturn:
            state = .lineFeed(ending: line)
            return true
        case ASCII.lineFeed:
            // RFC 9112 §2.2: a recipient MAY accept a bare LF as a line terminator.
            try finish(line)
            return true
        default:
            return false
        }
    }

    /// Moves past a complete `line`.
    private mutating func finish(_ line: LineKind) throws(HTTPParseError) {
        switch line {
        case .chunkSize where chunkSize == 0:
            // RFC 9112 §7.1: a size of zero is the last chunk; the trailer section follows.
            state = .trailerLineStart
        case .chunkSize:
            // Checked when announced, before any of the chunk is stored.
            let (total, overflow) = announcedLength.addingReportingOverflow(chunkSize)
            if overflow || total > (maxContentLength ?? .max) { throw .contentTooLarge }
            announcedLength = total
            state = .chunkData(remaining: chunkSize)
            chunkSize = 0
            chunkSizeDigits = 0
            chunkSizeLineLength = 0
        case .chunkData:
            state = .chunkSize
        case .trailerField:
            state = .trailerLineStart
        case .lastLine:
            state = .complete
        }
    }
}
