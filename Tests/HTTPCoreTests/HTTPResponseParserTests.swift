import HTTPCore
import Testing

@Suite("HTTP response parser", .timeLimit(.minutes(1)))
struct HTTPResponseParserTests {
    // MARK: - Accepted responses

    /// A response the parser must accept, with the head and framing it must produce.
    struct Accepted: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let input: String
        var requestMethod = HTTPMethod.get
        let head: HTTPResponseHead
        let framing: HTTPBodyFraming
        var limits = HTTPParserLimits.default
        /// Bytes that follow the head: content, or the next response.
        var after = ""
    }

    static func head(
        _ code: Int, _ reasonPhrase: String, _ fields: HTTPFields = [:], version: HTTPVersion = .http1_1
    ) -> HTTPResponseHead {
        HTTPResponseHead(version: version, status: HTTPStatus(code: code, reasonPhrase: reasonPhrase), headerFields: fields)
    }

    static let accepted: [Accepted] = [
        Accepted(testDescription: "A 200 with a Content-Length",
                 input: "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 5\r\n\r\n",
                 head: head(200, "OK", ["Content-Type": "image/jpeg", "Content-Length": "5"]),
                 framing: .contentLength(5), after: "hello"),
        Accepted(testDescription: "A Content-Length far above the request content limit",
                 input: "HTTP/1.1 200 OK\r\nContent-Length: 5000000000\r\n\r\n",
                 head: head(200, "OK", ["Content-Length": "5000000000"]), framing: .contentLength(5_000_000_000)),
        Accepted(testDescription: "A reason phrase with spaces and obs-text",
                 input: "HTTP/1.1 404 Not  Found \u{E9}\r\nContent-Length: 0\r\n\r\n",
                 head: head(404, "Not  Found \u{E9}", ["Content-Length": "0"]), framing: .none),
        Accepted(testDescription: "An empty reason phrase", input: "HTTP/1.1 200 \r\nContent-Length: 1\r\n\r\n",
                 head: head(200, "", ["Content-Length": "1"]), framing: .contentLength(1)),
        Accepted(testDescription: "No space before an empty reason phrase",
                 input: "HTTP/1.0 200\nContent-Length: 1\n\n",
                 head: head(200, "", ["Content-Length": "1"], version: .http1_0), framing: .contentLength(1)),
        Accepted(testDescription: "A chunked response", input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n",
                 head: head(200, "OK", ["Transfer-Encoding": "Chunked"]), framing: .chunked),
        Accepted(testDescription: "gzip, then chunked", input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                 head: head(200, "OK", ["Transfer-Encoding": "gzip, chunked"]), framing: .chunked),
        Accepted(testDescription: "chunked not last runs until the close",
                 input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n",
                 head: head(200, "OK", ["Transfer-Encoding": "chunked", "Transfer-Encoding": "gzip"]),
                 framing: .untilClose),
        Accepted(testDescription: "Transfer-Encoding overrides Content-Length, which is removed",
                 input: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\nX: 1\r\n\r\n",
                 head: head(200, "OK", ["Transfer-Encoding": "chunked", "X": "1"]), framing: .chunked),
        Accepted(testDescription: "Neither Content-Length nor Transfer-Encoding runs until the close",
                 input: "HTTP/1.0 200 OK\r\nServer: old\r\n\r\n",
                 head: head(200, "OK", ["Server": "old"], version: .http1_0), framing: .untilClose),
        Accepted(testDescription: "A response to HEAD has no content", input: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
                 requestMethod: .head, head: head(200, "OK", ["Content-Length": "5"]), framing: .none),
        Accepted(testDescription: "A 204 has no content", input: "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n",
                 head: head(204, "No Content", ["Transfer-Encoding": "chunked"]), framing: .none),
        Accepted(testDescription: "A 304 has no content", input: "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
                 head: head(304, "Not Modified", ["Content-Length": "5"]), framing: .none),
        Accepted(testDescription: "A 1xx ends at its empty line, before the final response",
                 input: "HTTP/1.1 100 Continue\r\n\r\n", head: head(100, "Continue"), framing: .none,
                 after: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
        Accepted(testDescription: "A 2xx to CONNECT starts a tunnel",
                 input: "HTTP/1.1 200 Connection Established\r\n\r\n", requestMethod: .connect,
                 head: head(200, "Connection Established"), framing: .none),
        Accepted(testDescription: "Pipelined responses: the head ends at the first empty line",
                 input: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n",
                 head: head(200, "OK", ["Content-Length": "2"]), framing: .contentLength(2),
                 after: "hiHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
        Accepted(testDescription: "A status line exactly at the limit",
                 input: "HTTP/1.1 200 " + String(repeating: "k", count: 27) + "\r\n\r\n",
                 head: head(200, String(repeating: "k", count: 27)), framing: .untilClose,
                 limits: HTTPParserLimits(maxRequestLineLength: 40)),
        Accepted(testDescription: "A header section exactly at the limit",
                 input: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n",
                 head: head(200, "OK", ["Content-Length": "1"]), framing: .contentLength(1),
                 limits: HTTPParserLimits(maxHeaderSectionLength: 21)),
        Accepted(testDescription: "Exactly as many fields as the limit",
                 input: "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n",
                 head: head(200, "OK", ["A": "1", "B": "2"]), framing: .untilClose,
                 limits: HTTPParserLimits(maxHeaderFieldCount: 2)),
    ]

    @Test("An accepted response parses the same at every split", arguments: accepted)
    func acceptedResponse(_ example: Accepted) {
        let input = Array((example.input + example.after).utf8)
        let outcome = parseAtEveryByteSplit(input) { bytes throws(HTTPParseError) in
            try HTTPResponseParser.parseHead(bytes, requestMethod: example.requestMethod, limits: example.limits)
        }
        #expect(outcome == .parsed(example.head, example.framing, headLength: example.input.utf8.count))
        #expect(parseByteByByte(input, with: HTTPResponseParser(requestMethod: example.requestMethod, limits: example.limits)) == outcome)
    }

    @Test("Keep-alive follows the version and the Connection field", arguments: [
        ("HTTP/1.1 200 OK\r\n\r\n", true),
        ("HTTP/1.1 200 OK\r\nConnection: Close\r\n\r\n", false),
        ("HTTP/1.0 200 OK\r\n\r\n", false),
        ("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", true),
    ])
    func keepAlive(_ input: String, _ shouldKeepAlive: Bool) throws {
        let bytes = Array(input.utf8)
        let head = try #require(try HTTPResponseParser.parseHead(bytes[...], requestMethod: .get)).head
        #expect(head.shouldKeepAlive == shouldKeepAlive)
    }

    // MARK: - Rejected responses

    /// A response the parser must reject, and the error it must throw.
    struct Rejected: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let input: String
        let error: HTTPParseError
        var limits = HTTPParserLimits.default

        init(_ testDescription: String, _ input: String, _ error: HTTPParseError, limits: HTTPParserLimits = .default) {
            self.testDescription = testDescription
            self.input = input
            self.error = error
            self.limits = limits
        }
    }

    static let rejected: [Rejected] = [
        Rejected("A two-digit status code", "HTTP/1.1 20 OK\r\n\r\n", .malformedStatusLine),
        Rejected("A four-digit status code", "HTTP/1.1 2000 OK\r\n\r\n", .malformedStatusLine),
        Rejected("A status code below 100", "HTTP/1.1 099 Odd\r\n\r\n", .malformedStatusLine),
        Rejected("A status code above 599", "HTTP/1.1 600 Odd\r\n\r\n", .malformedStatusLine),
        Rejected("A reason phrase without its space", "HTTP/1.1 200OK\r\n\r\n", .malformedStatusLine),
        Rejected("Two spaces before the code", "HTTP/1.1  200 OK\r\n\r\n", .malformedStatusLine),
        Rejected("A lowercase version", "http/1.1 200 OK\r\n\r\n", .malformedStatusLine),
        Rejected("A version without its minor number", "HTTP/2 200 OK\r\n\r\n", .malformedStatusLine),
        Rejected("No status code", "HTTP/1.1\r\n\r\n", .malformedStatusLine),
        Rejected("HTTP/2.0", "HTTP/2.0 200 OK\r\n\r\n", .unsupportedVersion),
        Rejected("A control character in the reason phrase", "HTTP/1.1 200 O\u{1}K\r\n\r\n", .invalidCharacter),
        Rejected("A bare CR in the status line", "HTTP/1.1 200 O\rK\r\n\r\n", .invalidCharacter),
        Rejected("A NUL in a field", "HTTP/1.1 200 OK\r\nX: \0\r\n\r\n", .invalidCharacter),
        Rejected("Obsolete line folding", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", .obsoleteLineFolding),
        Rejected("Whitespace before a colon", "HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\n", .whitespaceBeforeColon),
        Rejected("A line without a colon", "HTTP/1.1 200 OK\r\nContent-Length 5\r\n\r\n", .malformedHeaderField),
        Rejected("Conflicting Content-Length lines", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
                 .invalidContentLength),
        Rejected("A Content-Length with a sign", "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n", .invalidContentLength),
        Rejected("chunked twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", .invalidTransferEncoding),
        Rejected("Transfer-Encoding in HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                 .invalidTransferEncoding),
        Rejected("A status line one byte over the limit", "HTTP/1.1 200 " + String(repeating: "k", count: 28) + "\r\n\r\n",
                 .headerSectionTooLarge, limits: HTTPParserLimits(maxRequestLineLength: 40)),
        Rejected("A header section one byte over the limit", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n",
                 .headerSectionTooLarge, limits: HTTPParserLimits(maxHeaderSectionLength: 21)),
        Rejected("One field more than the limit", "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
                 .headerSectionTooLarge, limits: HTTPParserLimits(maxHeaderFieldCount: 2)),
    ]

    @Test("A malformed response is rejected at every split", arguments: rejected)
    func rejectedResponse(_ example: Rejected) {
        let outcome = parseAtEveryByteSplit(Array(example.input.utf8)) { bytes throws(HTTPParseError) in
            try HTTPResponseParser.parseHead(bytes, requestMethod: .get, limits: example.limits)
        }
        #expect(outcome == .failed(example.error))
        #expect(parseByteByByte(Array(example.input.utf8), with: HTTPResponseParser(requestMethod: .get, limits: example.limits)) == outcome)
    }
}
