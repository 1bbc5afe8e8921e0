import HTTPCore
import Testing

@Suite("Chunked decoder", .timeLimit(.minutes(1)))
struct ChunkedDecoderTests {
    /// Bytes of a next message that follow the chunked content and must stay unconsumed.
    static let nextMessage = Array("GET /next HTTP/1.1\r\n\r\n".utf8)

    // MARK: - Valid content

    /// A chunked body the decoder must accept, and the content it must produce.
    struct Valid: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let chunked: [UInt8]
        let content: [UInt8]

        init(_ testDescription: String, _ chunked: String, _ content: String) {
            self.testDescription = testDescription
            self.chunked = Array(chunked.utf8)
            self.content = Array(content.utf8)
        }
    }

    static let valid: [Valid] = [
        Valid("The classic example", "4\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n",
              "Wikipedia in\r\n\r\nchunks."),
        Valid("An empty body", "0\r\n\r\n", ""),
        Valid("Hex digits in both cases and leading zeros", "a\r\n0123456789\r\n0B\r\nabcdefghijk\r\n000\r\n\r\n",
              "0123456789abcdefghijk"),
        Valid("The longest chunk size, 15 digits", "000000000000003\r\nabc\r\n0\r\n\r\n", "abc"),
        Valid("Chunk extensions, with whitespace before the semicolon",
              "5;name=value\r\nhello\r\n1 ; a=\"b c\";d\r\n!\r\n0;last\r\n\r\n", "hello!"),
        Valid("A trailer section", "3\r\nabc\r\n0\r\nExpires: never\r\nX-Checksum: 1234\r\n\r\n", "abc"),
        Valid("Bare LF line endings", "3\nabc\n0\nX: y\n\n", "abc"),
        Valid("Data that contains CRLF and digits", "5\r\n\r\n0\r\n\r\n0\r\n\r\n", "\r\n0\r\n"),
    ]

    @Test("Valid chunked content decodes the same in one piece, byte by byte and at every split",
          arguments: valid)
    func validContent(_ example: Valid) throws {
        let input = example.chunked + Self.nextMessage
        // In one piece.
        #expect(try decode([input[...]]) == .init(content: example.content, consumed: example.chunked.count))
        // Byte by byte.
        let bytes = input.indices.map { input[$0...$0] }
        #expect(try decode(bytes) == .init(content: example.content, consumed: example.chunked.count))
        // In two pieces, split at every byte boundary.
        for split in 0...input.count {
            let pieces = [input[..<split], input[split...]]
            #expect(try decode(pieces) == .init(content: example.content, consumed: example.chunked.count),
                    "split at \(split)")
        }
    }

    @Test("The decoder is not complete before the final line ending")
    func completesOnlyAtTheEnd() throws {
        let input = Array("3\r\nabc\r\n0\r\nX: y\r\n\r\n".utf8)
        var decoder = ChunkedDecoder()
        var output: [UInt8] = []
        #expect(try decoder.decode(input.dropLast(), into: &output) == input.count - 1)
        #expect(!decoder.isComplete)
        #expect(try decoder.decode(input[(input.count - 1)...], into: &output) == 1)
        #expect(decoder.isComplete)
        #expect(try decoder.decode(input[...], into: &output) == 0)
        #expect(output == Array("abc".utf8))
    }

    @Test("Empty input consumes nothing")
    func emptyInput() throws {
        var decoder = ChunkedDecoder()
        var output: [UInt8] = []
        #expect(try decoder.decode([], into: &output) == 0)
        #expect(!decoder.isComplete && output.isEmpty)
    }

    // MARK: - Malformed content

    /// A chunked body the decoder must reject, and the error it must throw.
    struct Invalid: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let chunked: [UInt8]
        let error: HTTPParseError
        var maxContentLength: Int?

        init(_ testDescription: String, _ chunked: String, _ error: HTTPParseError = .malformedChunkedBody,
             maxContentLength: Int? = nil) {
            self.testDescription = testDescription
            self.chunked = Array(chunked.utf8)
            self.error = error
            self.maxContentLength = maxContentLength
        }
    }

    static let invalid: [Invalid] = [
        Invalid("An empty chunk size", "\r\nabc\r\n0\r\n\r\n"),
        Invalid("A chunk size that is not hexadecimal", "g\r\n"),
        Invalid("A negative chunk size", "-5\r\nhello\r\n0\r\n\r\n"),
        Invalid("A 0x prefix", "0x5\r\nhello\r\n0\r\n\r\n"),
        Invalid("A space inside the chunk size", "5 5\r\nhello\r\n0\r\n\r\n"),
        Invalid("A leading space", " 5\r\nhello\r\n0\r\n\r\n"),
        Invalid("A 16-digit chunk size", "0000000000000005\r\nhello\r\n0\r\n\r\n"),
        Invalid("A chunk size that would overflow", "FFFFFFFFFFFFFFFFF\r\n"),
        Invalid("A bare CR after the chunk size", "5\rhello\r\n0\r\n\r\n"),
        Invalid("Data longer than its size", "5\r\nhelloX\r\n0\r\n\r\n"),
        Invalid("Data followed by a bare CR", "5\r\nhello\rX0\r\n\r\n"),
        Invalid("A control character in an extension", "5;a\u{1}\r\nhello\r\n0\r\n\r\n"),
        Invalid("A NUL in a trailer field", "0\r\nX: \0\r\n\r\n"),
        Invalid("A bare CR ending the trailer section", "0\r\n\rX"),
        Invalid("More content than allowed", "5\r\nhello\r\n6\r\nworld!\r\n0\r\n\r\n", .contentTooLarge,
                maxContentLength: 10),
    ]

    @Test("Malformed chunked content is rejected in one piece and byte by byte", arguments: invalid)
    func invalidContent(_ example: Invalid) {
        #expect(throws: example.error) {
            try decode([example.chunked[...]], maxContentLength: example.maxContentLength)
        }
        #expect(throws: example.error) {
            try decode(example.chunked.indices.map { example.chunked[$0...$0] },
                       maxContentLength: example.maxContentLength)
        }
    }

    @Test("A decoder that failed keeps failing")
    func failureIsFinal() {
        var decoder = ChunkedDecoder()
        var output: [UInt8] = []
        #expect(throws: HTTPParseError.malformedChunkedBody) { try decoder.decode(Array("x".utf8)[...], into: &output) }
        #expect(throws: HTTPParseError.malformedChunkedBody) {
            try decoder.decode(Array("0\r\n\r\n".utf8)[...], into: &output)
        }
    }

    @Test("Too much content is refused when its size arrives, before its data")
    func contentTooLargeEarly() throws {
        var decoder = ChunkedDecoder(maxContentLength: 10)
        var output: [UInt8] = []
        #expect(try decoder.decode(Array("5\r\nhello\r\n".utf8)[...], into: &output) == 10)
        #expect(throws: HTTPParseError.contentTooLarge) { try decoder.decode(Array("6\r\n".utf8)[...], into: &output) }
        #expect(output == Array("hello".utf8))
    }

    // MARK: - Bounds at N and N + 1

    /// A last chunk followed by a trailer section of exactly `length` bytes.
    static func trailerSection(length: Int) -> String {
        "0\r\nX: " + String(repeating: "t", count: length - 7) + "\r\n\r\n"
    }

    /// A chunk-size line of exactly `length` bytes before its CRLF, then the rest of a body.
    static func chunkSizeLine(length: Int) -> String {
        "1;" + String(repeating: "e", count: length - 2) + "\r\n!\r\n0\r\n\r\n"
    }

    @Test("Content exactly at the limit is accepted, one byte more is refused")
    func contentLimit() throws {
        let input = Array("5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n".utf8)
        let decoded = try decode([input[...]], maxContentLength: 10)
        #expect(decoded == .init(content: Array("helloworld".utf8), consumed: input.count))
        #expect(throws: HTTPParseError.contentTooLarge) { try decode([input[...]], maxContentLength: 9) }
    }

    /// Chunked content whose chunk-size line or trailer section is exactly at its bound or one byte
    /// over, with the content it decodes to or `nil` when it must be refused.
    struct Bound: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let chunked: [UInt8]
        let content: [UInt8]?

        init(_ testDescription: String, _ chunked: String, _ content: String?) {
            self.testDescription = testDescription
            self.chunked = Array(chunked.utf8)
            self.content = content.map { Array($0.utf8) }
        }
    }

    static let bounds: [Bound] = [
        Bound("A chunk-size line at its bound", chunkSizeLine(length: ChunkedDecoder.maxChunkSizeLineLength), "!"),
        Bound("A chunk-size line one byte over", chunkSizeLine(length: ChunkedDecoder.maxChunkSizeLineLength + 1), nil),
        Bound("A trailer section at its bound", trailerSection(length: ChunkedDecoder.maxTrailerSectionLength), ""),
        Bound("A trailer section one byte over", trailerSection(length: ChunkedDecoder.maxTrailerSectionLength + 1), nil),
    ]

    @Test("Chunk-size lines and trailer sections are accepted at their bound and refused one byte over",
          arguments: bounds)
    func bound(_ example: Bound) throws {
        let input = example.chunked
        if let content = example.content {
            #expect(try decode([input[...]]) == .init(content: content, consumed: input.count))
            let bytes = input.indices.map { input[$0...$0] }
            #expect(try decode(bytes) == .init(content: content, consumed: input.count))
        } else {
            #expect(throws: HTTPParseError.malformedChunkedBody) { try decode([input[...]]) }
        }
    }

    // MARK: - Helpers

    /// What a decoder produced from a sequence of pieces.
    struct Decoded: Equatable {
        var content: [UInt8]
        var consumed: Int
    }

    /// Feeds `pieces` to a new decoder in order until it is complete, checking that it consumes
    /// every piece whole before then.
    func decode(_ pieces: [ArraySlice<UInt8>], maxContentLength: Int? = nil) throws(HTTPParseError) -> Decoded {
        var decoder = ChunkedDecoder(maxContentLength: maxContentLength)
        var decoded = Decoded(content: [], consumed: 0)
        for piece in pieces {
            let consumed = try decoder.decode(piece, into: &decoded.content)
            decoded.consumed += consumed
            if decoder.isComplete { break }
            #expect(consumed == piece.count)
        }
        #expect(decoder.isComplete)
        return decoded
    }
}
