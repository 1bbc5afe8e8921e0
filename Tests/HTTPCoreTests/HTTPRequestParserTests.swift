import HTTPCore
import Testing

@Suite("HTTP request parser", .timeLimit(.minutes(1)))
struct HTTPRequestParserTests {
    // MARK: - Accepted requests

    /// A request the parser must accept, with the head and framing it must produce.
    struct Accepted: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let input: String
        let head: HTTPRequestHead
        var framing = HTTPBodyFraming.none
        var limits = HTTPParserLimits.default
        /// Bytes that follow the head: content, or a pipelined request.
        var after = ""
    }

    static func head(
        _ method: HTTPMethod, _ target: String, _ version: HTTPVersion = .http1_1,
        _ fields: HTTPFields = ["Host": "example.com"]
    ) -> HTTPRequestHead {
        HTTPRequestHead(method: method, target: target, version: version, headerFields: fields)
    }

    static let accepted: [Accepted] = [
        Accepted(testDescription: "A simple GET", input: "GET /1.jpg?w=100 HTTP/1.1\r\nHost: example.com\r\n\r\n",
                 head: head(.get, "/1.jpg?w=100")),
        Accepted(testDescription: "A HEAD", input: "HEAD / HTTP/1.1\r\nHost: example.com\r\n\r\n", head: head(.head, "/")),
        Accepted(testDescription: "A POST with a Content-Length",
                 input: "POST /upload HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\n",
                 head: head(.post, "/upload", .http1_1, ["Host": "example.com", "Content-Length": "5"]),
                 framing: .contentLength(5), after: "hello"),
        Accepted(testDescription: "A chunked POST",
                 input: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n",
                 head: head(.post, "/", .http1_1, ["Host": "example.com", "Transfer-Encoding": "chunked"]),
                 framing: .chunked),
        Accepted(testDescription: "Transfer-Encoding in capitals, with spaces and an empty element",
                 input: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding:  CHUNKED , \r\n\r\n",
                 head: head(.post, "/", .http1_1, ["Host": "example.com", "Transfer-Encoding": "CHUNKED ,"]),
                 framing: .chunked),
        Accepted(testDescription: "Content-Length: 0 means no content",
                 input: "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n",
                 head: head(.post, "/", .http1_1, ["Host": "example.com", "Content-Length": "0"])),
        Accepted(testDescription: "Repeated equal Content-Length values, as a list and as lines",
                 input: "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 7, 7\r\ncontent-length: 007\r\n\r\n",
                 head: head(.post, "/", .http1_1,
                            ["Host": "example.com", "Content-Length": "7, 7", "content-length": "007"]),
                 framing: .contentLength(7)),
        Accepted(testDescription: "The longest Content-Length, 18 digits",
                 input: "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 999999999999999999\r\n\r\n",
                 head: head(.post, "/", .http1_1, ["Host": "example.com", "Content-Length": "999999999999999999"]),
                 framing: .contentLength(999_999_999_999_999_999), limits: HTTPParserLimits(maxContentLength: .max)),
        Accepted(testDescription: "An absolute-form target, scheme in any case",
                 input: "GET HTTPS://example.com/a?b HTTP/1.1\r\nHost: example.com\r\n\r\n",
                 head: head(.get, "HTTPS://example.com/a?b")),
        Accepted(testDescription: "OPTIONS *", input: "OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n",
                 head: head(.options, "*")),
        Accepted(testDescription: "CONNECT to an authority",
                 input: "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
                 head: head(.connect, "example.com:443", .http1_1, ["Host": "example.com:443"])),
        Accepted(testDescription: "An unknown method is a token like any other",
                 input: "PURGE /1.jpg HTTP/1.1\r\nHost: example.com\r\n\r\n", head: head(.purge, "/1.jpg")),
        Accepted(testDescription: "Leading empty lines are ignored",
                 input: "\r\n\n\r\nGET / HTTP/1.1\r\nHost: example.com\r\n\r\n", head: head(.get, "/")),
        Accepted(testDescription: "Bare LF line endings", input: "GET / HTTP/1.1\nHost: example.com\n\n",
                 head: head(.get, "/")),
        Accepted(testDescription: "HTTP/1.0 without Host", input: "GET / HTTP/1.0\r\n\r\n",
                 head: head(.get, "/", .http1_0, [:])),
        Accepted(testDescription: "Duplicate fields kept in order, names as received, values trimmed",
                 input: "GET / HTTP/1.1\r\nHost: example.com\r\nAccept: image/webp\r\nX-Empty:\r\n"
                     + "ACCEPT:\t image/avif \t\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n",
                 head: head(.get, "/", .http1_1, [
                     "Host": "example.com", "Accept": "image/webp", "X-Empty": "",
                     "ACCEPT": "image/avif", "Cookie": "a=1", "Cookie": "b=2",
                 ])),
        Accepted(testDescription: "A value with UTF-8 obs-text and inner whitespace",
                 input: "GET / HTTP/1.1\r\nHost: example.com\r\nX-Name: caf\u{E9}  au\tlait\r\n\r\n",
                 head: head(.get, "/", .http1_1, ["Host": "example.com", "X-Name": "caf\u{E9}  au\tlait"])),
        Accepted(testDescription: "Pipelined requests: the head ends at the first empty line",
                 input: "GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n",
                 head: head(.get, "/a"), after: "GET /b HTTP/1.1\r\nHost: example.com\r\n\r\n"),
        Accepted(testDescription: "A header section exactly at the limit, ending in a bare LF",
                 input: "GET / HTTP/1.1\r\nHost: a\r\nX: 12345\r\n\n",
                 head: head(.get, "/", .http1_1, ["Host": "a", "X": "12345"]),
                 limits: HTTPParserLimits(maxHeaderSectionLength: 20)),
    ]

    @Test("An accepted request parses the same at every split", arguments: accepted)
    func acceptedRequest(_ example: Accepted) {
        let input = Array((example.input + example.after).utf8)
        let outcome = parseAtEveryByteSplit(input) { bytes throws(HTTPParseError) in
            try HTTPRequestParser.parseHead(bytes, limits: example.limits)
        }
        #expect(outcome == .parsed(example.head, example.framing, headLength: example.input.utf8.count))
        #expect(parseByteByByte(input, with: HTTPRequestParser(limits: example.limits)) == outcome)
    }

    @Test("Field lookup ignores case and joins repeated lines")
    func caseInsensitiveLookup() throws {
        let input = Array("GET / HTTP/1.1\r\nhost: a\r\nAccept: image/webp\r\naccept: image/avif\r\n\r\n".utf8)
        let head = try #require(try HTTPRequestParser.parseHead(input[...])).head
        #expect(head.headerFields["HOST"] == "a")
        #expect(head.headerFields["Accept"] == "image/webp, image/avif")
        #expect(head.headerFields.values(for: "ACCEPT") == ["image/webp", "image/avif"])
    }

    @Test("Obs-text that is not UTF-8 is decoded lossily")
    func lossyObsText() throws {
        let input = Array("GET / HTTP/1.1\r\nHost: a\r\nX: a".utf8) + [0xFF] + Array("b\r\n\r\n".utf8)
        let head = try #require(try HTTPRequestParser.parseHead(input[...])).head
        #expect(head.headerFields["X"] == "a\u{FFFD}b")
    }

    // MARK: - Rejected requests

    /// A request the parser must reject, and the error it must throw.
    struct Rejected: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let input: [UInt8]
        let error: HTTPParseError
        var limits = HTTPParserLimits.default

        init(_ testDescription: String, _ input: String, _ error: HTTPParseError, limits: HTTPParserLimits = .default) {
            self.init(testDescription, Array(input.utf8), error, limits: limits)
        }

        init(_ testDescription: String, _ input: [UInt8], _ error: HTTPParseError, limits: HTTPParserLimits = .default) {
            self.testDescription = testDescription
            self.input = input
            self.error = error
            self.limits = limits
        }
    }

    static let rejectedRequestLines: [Rejected] = [
        Rejected("Two spaces after the method", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine),
        Rejected("A space after the version", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", .malformedRequestLine),
        Rejected("A tab as separator", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine),
        Rejected("No version", "GET /\r\nHost: a\r\n\r\n", .malformedRequestLine),
        Rejected("A leading space", " GET / HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine),
        Rejected("A method that is not a token", "GE(T / HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine),
        // Refused at its first byte, with no line end in sight (the server answers at once).
        Rejected("A TLS handshake sent to a plain HTTP port", "\u{16}\u{3}\u{1}\u{2}\u{0}\u{1}\u{0}\u{1}\u{FC}\u{3}\u{3}", .malformedRequestLine),
        Rejected("A space inside the target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine),
        Rejected("A control character in the target", "GET /a\u{1}b HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine),
        Rejected("DEL in the target", "GET /a\u{7F} HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine),
        Rejected("A relative target", "GET a/b HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine),
        Rejected("An asterisk target for GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine),
        Rejected("An asterisk target for PURGE", "PURGE * HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine),
        Rejected("An authority target for GET", "GET a:80 HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine),
        Rejected("CONNECT with a path", "CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine),
        Rejected("CONNECT without a port", "CONNECT a HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine),
        Rejected("An http URI with an empty host", "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine),
        Rejected("Another scheme", "GET ftp://a/x HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine),
        Rejected("A lowercase version", "GET / http/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine),
        Rejected("A two-digit minor version", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", .malformedRequestLine),
        Rejected("A version without a dot", "GET / HTTP/11\r\nHost: a\r\n\r\n", .malformedRequestLine),
        Rejected("HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", .unsupportedVersion),
        Rejected("HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", .unsupportedVersion),
        Rejected("HTTP/0.9 spelled out", "GET / HTTP/0.9\r\n\r\n", .unsupportedVersion),
        Rejected("A bare CR in the request line", "GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", .invalidCharacter),
        Rejected("A bare CR ending the request line", "GET / HTTP/1.1\r\rHost: a\r\n\r\n", .invalidCharacter),
        Rejected("A NUL in the request line", "GET /\0 HTTP/1.1\r\nHost: a\r\n\r\n", .invalidCharacter),
        // Found by fuzzing: the method check looked past the line limit, so the whole input
        // and a prefix of it disagreed on which error comes first.
        Rejected("A bare CR just past the header-section limit",
                 "GET / HTTP/1.1\r\nHost: a\r\nX: 123456789\r~\r\n\r\n", .invalidCharacter,
                 limits: HTTPParserLimits(maxHeaderSectionLength: 21)),
        Rejected("A non-token byte in the method, after the request-line limit",
                 "GET" + String(repeating: "r", count: 45) + ":/ HTTP/1.1\r\nHost: a\r\n\r\n", .requestLineTooLong,
                 limits: HTTPParserLimits(maxRequestLineLength: 40)),
        // RFC 9110 §4.2.4: userinfo in an http(s) URI is an error (nginx: 400 too).
        Rejected("Userinfo in an absolute-form target", "GET http://u@h/1.jpg HTTP/1.1\r\nHost: h\r\n\r\n", .malformedRequestLine),
        // RFC 9112 §3.2: a request target has no fragment.
        Rejected("A fragment in the target", "GET /1.jpg#top HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine),
        Rejected("A fragment right after the authority", "GET http://h#/echo/1.jpg HTTP/1.1\r\nHost: h\r\n\r\n", .malformedRequestLine),
        Rejected("A port that is not a number in the target", "GET http://h:x/ HTTP/1.1\r\nHost: h\r\n\r\n", .malformedRequestLine),
        Rejected("Bytes above 0x7F that are not UTF-8 in the target", [UInt8]("GET /caf".utf8) + [0xE9] + [UInt8](" HTTP/1.1\r\nHost: a\r\n\r\n".utf8),
                 .malformedRequestLine),
    ]

    // RFC 9112 §3.2: a Host whose value is not `uri-host [":" port]` is answered with 400 (nginx too).
    static let rejectedHosts: [Rejected] = [
        Rejected("A space in Host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", .invalidHost),
        Rejected("An empty Host", "GET / HTTP/1.1\r\nHost: \r\n\r\n", .invalidHost),
        Rejected("A slash in Host", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", .invalidHost),
        Rejected("Userinfo in Host", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", .invalidHost),
        Rejected("A port that is not a number", "GET / HTTP/1.1\r\nHost: a:http\r\n\r\n", .invalidHost),
        Rejected("A percent sign without two hex digits", "GET / HTTP/1.1\r\nHost: a%zz\r\n\r\n", .invalidHost),
        Rejected("An unclosed IP literal", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", .invalidHost),
        Rejected("An empty IP literal", "GET / HTTP/1.1\r\nHost: []:80\r\n\r\n", .invalidHost),
    ]

    @Test("A Host that is not host[:port] is rejected at every split", arguments: rejectedHosts)
    func rejectedHost(_ example: Rejected) {
        expectRejection(example)
    }

    @Test("A Host may be a name, an IPv4 or IPv6 address, with a port", arguments: [
        "example.com", "example.com:8080", "127.0.0.1:80", "[::1]:8080", "[fe80::1]", "xn--caf-dma.example", "a%41b", "a:",
    ])
    func acceptedHost(host: String) throws {
        let input = Array("GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n".utf8)
        let head = try #require(try HTTPRequestParser.parseHead(input[...])).head
        #expect(head.headerFields["Host"] == host)
    }

    @Test("A UTF-8 path is accepted and kept exactly as received")
    func utf8Target() throws {
        let input = Array("GET /caf\u{E9}.jpg HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        let head = try #require(try HTTPRequestParser.parseHead(input[...])).head
        #expect(Array(head.target.utf8) == Array("/caf\u{E9}.jpg".utf8))
    }

    @Test("A field value that is not UTF-8 keeps its bytes, and is sent on exactly as received")
    func opaqueFieldValue() throws {
        let value: [UInt8] = Array("caf".utf8) + [0xE9]
        let input = Array("GET / HTTP/1.1\r\nHost: a\r\nX-Name: ".utf8) + value + Array("\r\n\r\n".utf8)
        let head = try #require(try HTTPRequestParser.parseHead(input[...])).head
        let field = try #require(head.headerFields.first { $0.name == "X-Name" })
        #expect(field.receivedBytes == value)
        #expect(field.value == "caf\u{FFFD}")
        var line: [UInt8] = []
        field.serialize(into: &line)
        #expect(line == Array("X-Name: ".utf8) + value + [13, 10])
        var changed = field
        changed.value = "plain"
        #expect(changed.receivedBytes == nil)
    }

    static let rejectedFieldLines: [Rejected] = [
        Rejected("Whitespace before a colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", .whitespaceBeforeColon),
        Rejected("A tab before a colon", "GET / HTTP/1.1\r\nHost: a\r\nX\t: b\r\n\r\n", .whitespaceBeforeColon),
        Rejected("Obsolete line folding", "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n", .obsoleteLineFolding),
        Rejected("Whitespace before the first field", "GET / HTTP/1.1\r\n\tHost: a\r\n\r\n", .obsoleteLineFolding),
        Rejected("A line without a colon", "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", .malformedHeaderField),
        Rejected("An empty name", "GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", .malformedHeaderField),
        Rejected("A space inside a name", "GET / HTTP/1.1\r\nHost: a\r\nX Y: b\r\n\r\n", .malformedHeaderField),
        Rejected("A name that is not a token", "GET / HTTP/1.1\r\nHost: a\r\nX(: b\r\n\r\n", .malformedHeaderField),
        Rejected("A control character in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{1}b\r\n\r\n", .invalidCharacter),
        Rejected("DEL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{7F}\r\n\r\n", .invalidCharacter),
        Rejected("A NUL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", .invalidCharacter),
        Rejected("A NUL in a name", "GET / HTTP/1.1\r\nHost: a\r\nX\0: b\r\n\r\n", .invalidCharacter),
        Rejected("A bare CR in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", .invalidCharacter),
        Rejected("A bare CR instead of the empty line", "GET / HTTP/1.1\r\nHost: a\r\n\rX", .invalidCharacter),
        Rejected("HTTP/1.1 without Host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", .missingOrDuplicateHost),
        Rejected("Two Host lines", "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", .missingOrDuplicateHost),
        Rejected("Two Host lines in HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", .missingOrDuplicateHost),
    ]

    /// Framing errors, most of them request-smuggling attempts (RFC 9112 §11.2).
    static let rejectedFraming: [Rejected] = [
        Rejected("Content-Length with Transfer-Encoding",
                 "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
                 .contentLengthWithTransferEncoding),
        Rejected("Transfer-Encoding with Content-Length",
                 "POST / HTTP/1.1\r\nHost: a\r\ntransfer-encoding: chunked\r\ncontent-length: 0\r\n\r\n",
                 .contentLengthWithTransferEncoding),
        Rejected("Whitespace before the colon of Transfer-Encoding",
                 "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n", .whitespaceBeforeColon),
        Rejected("Transfer-Encoding folded onto a second line",
                 "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n", .obsoleteLineFolding),
        Rejected("Transfer-Encoding in HTTP/1.0",
                 "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", .invalidTransferEncoding),
        Rejected("An unknown coding that looks like chunked",
                 "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", .unsupportedTransferCoding),
        Rejected("gzip before chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                 .unsupportedTransferCoding),
        Rejected("identity", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n",
                 .unsupportedTransferCoding),
        Rejected("chunked twice in one line",
                 "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", .invalidTransferEncoding),
        Rejected("chunked twice in two lines",
                 "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
                 .invalidTransferEncoding),
        Rejected("chunked not last", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
                 .invalidTransferEncoding),
        Rejected("An empty Transfer-Encoding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ,\r\n\r\n",
                 .invalidTransferEncoding),
        Rejected("Conflicting Content-Length lines",
                 "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", .invalidContentLength),
        Rejected("A conflicting Content-Length list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n",
                 .invalidContentLength),
        Rejected("A Content-Length with a plus sign", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n",
                 .invalidContentLength),
        Rejected("A negative Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
                 .invalidContentLength),
        Rejected("A hexadecimal Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n",
                 .invalidContentLength),
        Rejected("A Content-Length with a space inside", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:  5 5\r\n\r\n",
                 .invalidContentLength),
        Rejected("An empty Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n",
                 .invalidContentLength),
        Rejected("A Content-Length list with an empty element",
                 "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5,\r\n\r\n", .invalidContentLength),
        Rejected("A 19-digit Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000000000000\r\n\r\n",
                 .invalidContentLength, limits: HTTPParserLimits(maxContentLength: .max)),
        Rejected("A Content-Length beyond Int",
                 "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999999\r\n\r\n", .invalidContentLength),
    ]

    @Test("A malformed request line is rejected at every split", arguments: rejectedRequestLines)
    func malformedRequestLine(_ example: Rejected) {
        expectRejection(example)
    }

    @Test("A malformed field line is rejected at every split", arguments: rejectedFieldLines)
    func malformedFieldLine(_ example: Rejected) {
        expectRejection(example)
    }

    @Test("Ambiguous framing is rejected at every split", arguments: rejectedFraming)
    func ambiguousFraming(_ example: Rejected) {
        expectRejection(example)
    }

    // MARK: - Limits at N and N + 1

    /// A request line of exactly `length` bytes, CRLF excluded.
    static func requestLine(length: Int) -> String {
        "GET /" + String(repeating: "a", count: length - 14) + " HTTP/1.1"
    }

    static let limitCases: [Rejected] = {
        let lineLimits = HTTPParserLimits(maxRequestLineLength: 40)
        // "Host: a\r\n" + "X: 12345\r\n" + "\r\n" is 21 bytes.
        let fields = "Host: a\r\nX: 12345\r\n\r\n"
        let sectionLimits = HTTPParserLimits(maxHeaderSectionLength: 21)
        let countLimits = HTTPParserLimits(maxHeaderFieldCount: 3)
        let contentLimits = HTTPParserLimits(maxContentLength: 100)
        return [
            Rejected("A request line one byte over the limit", requestLine(length: 41) + "\r\nHost: a\r\n\r\n",
                     .requestLineTooLong, limits: lineLimits),
            Rejected("A request line one byte over the limit, with a bare LF", requestLine(length: 41) + "\nHost: a\n\n",
                     .requestLineTooLong, limits: lineLimits),
            Rejected("Leading empty lines longer than the request-line limit",
                     String(repeating: "\r\n", count: 21) + requestLine(length: 20) + "\r\nHost: a\r\n\r\n",
                     .requestLineTooLong, limits: lineLimits),
            Rejected("A header section one byte over the limit", "GET / HTTP/1.1\r\nHost: a\r\nX: 123456\r\n\r\n",
                     .headerSectionTooLarge, limits: sectionLimits),
            Rejected("A header section one byte over the limit in its final LF", "GET / HTTP/1.1\r\n" + fields,
                     .headerSectionTooLarge, limits: HTTPParserLimits(maxHeaderSectionLength: 20)),
            Rejected("A header section whose fields alone fill the limit", "GET / HTTP/1.1\r\n" + fields,
                     .headerSectionTooLarge, limits: HTTPParserLimits(maxHeaderSectionLength: 19)),
            Rejected("One field more than the limit", "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
                     .headerSectionTooLarge, limits: countLimits),
            Rejected("Content one byte over the limit", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n",
                     .contentTooLarge, limits: contentLimits),
        ]
    }()

    @Test("A limit exceeded by one byte or one field is rejected at every split", arguments: limitCases)
    func limitExceeded(_ example: Rejected) {
        expectRejection(example)
    }

    @Test("A request exactly at every limit is accepted")
    func limitsReached() {
        let limits = HTTPParserLimits(
            maxRequestLineLength: 40, maxHeaderSectionLength: 48, maxHeaderFieldCount: 3, maxContentLength: 100)
        let line = "POST /" + String(repeating: "a", count: 25) + " HTTP/1.1"
        let fields = "Host: a\r\nContent-Length: 100\r\nX: 12345678901\r\n\r\n"
        #expect(line.utf8.count == 40 && fields.utf8.count == 48)
        let input = Array((line + "\r\n" + fields).utf8)
        let outcome = parseAtEveryByteSplit(input) { bytes throws(HTTPParseError) in
            try HTTPRequestParser.parseHead(bytes, limits: limits)
        }
        let expected = HTTPRequestHead(
            method: .post, target: "/" + String(repeating: "a", count: 25), version: .http1_1,
            headerFields: ["Host": "a", "Content-Length": "100", "X": "12345678901"])
        #expect(outcome == .parsed(expected, .contentLength(100), headLength: input.count))
    }

    @Test("Leading empty lines up to the request-line limit are accepted")
    func leadingEmptyLinesAtLimit() throws {
        let input = Array((String(repeating: "\r\n", count: 20) + "GET / HTTP/1.1\r\nHost: a\r\n\r\n").utf8)
        let parsed = try HTTPRequestParser.parseHead(input[...], limits: HTTPParserLimits(maxRequestLineLength: 40))
        #expect(parsed?.head.target == "/")
    }

    @Test("An endless request line is refused as soon as it passes the limit")
    func endlessRequestLine() throws {
        let limits = HTTPParserLimits(maxRequestLineLength: 40)
        let prefix = Array(("GET /" + String(repeating: "a", count: 100)).utf8)
        #expect(try HTTPRequestParser.parseHead(prefix[..<40], limits: limits) == nil)
        #expect(throws: HTTPParseError.requestLineTooLong) {
            try HTTPRequestParser.parseHead(prefix[..<41], limits: limits)
        }
    }

    @Test("An endless header section is refused as soon as it passes the limit")
    func endlessHeaderSection() throws {
        let limits = HTTPParserLimits(maxHeaderSectionLength: 30)
        let input = Array(("GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "b", count: 100)).utf8)
        let headerStart = "GET / HTTP/1.1\r\n".utf8.count
        #expect(try HTTPRequestParser.parseHead(input[..<(headerStart + 30)], limits: limits) == nil)
        #expect(throws: HTTPParseError.headerSectionTooLarge) {
            try HTTPRequestParser.parseHead(input[..<(headerStart + 31)], limits: limits)
        }
    }

    // MARK: - Helpers

    /// Checks that `example` throws its error, whole and at every split.
    func expectRejection(_ example: Rejected, sourceLocation: SourceLocation = #_sourceLocation) {
        let outcome = parseAtEveryByteSplit(example.input, sourceLocation: sourceLocation) { bytes throws(HTTPParseError) in
            try HTTPRequestParser.parseHead(bytes, limits: example.limits)
        }
        #expect(outcome == .failed(example.error), sourceLocation: sourceLocation)
        #expect(parseByteByByte(example.input, with: HTTPRequestParser(limits: example.limits)) == outcome,
                sourceLocation: sourceLocation)
    }
}

// MARK: - Feeding every split (shared with the response parser's tests)

/// A head parser that keeps its progress between calls on longer prefixes of one head.
protocol IncrementalHeadParser {
    associatedtype Head: Equatable
    mutating func parse(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) -> (head: Head, framing: HTTPBodyFraming, headLength: Int)?
}

extension HTTPRequestParser: IncrementalHeadParser {}
extension HTTPResponseParser: IncrementalHeadParser {}

/// Feeds one parser every prefix of `input`, one byte longer each time, as a server does with a
/// head that arrives one byte per read; the outcome once it stops being incomplete.
func parseByteByByte<Parser: IncrementalHeadParser>(_ input: [UInt8], with parser: Parser) -> ParseOutcome<Parser.Head> {
    var parser = parser
    for count in 0...input.count {
        let outcome = ParseOutcome { () throws(HTTPParseError) in try parser.parse(input[..<count]) }
        if outcome != .incomplete { return outcome }
    }
    return .incomplete
}

/// What one call of a head parser returned, comparable in tests.
enum ParseOutcome<Head: Equatable>: Equatable, CustomStringConvertible {
    case incomplete
    case parsed(Head, HTTPBodyFraming, headLength: Int)
    case failed(HTTPParseError)

    /// Calls `parse` and records what it returned or threw.
    init(_ parse: () throws(HTTPParseError) -> (head: Head, framing: HTTPBodyFraming, headLength: Int)?) {
        do {
            guard let result = try parse() else {
                self = .incomplete
                return
            }
            self = .parsed(result.head, result.framing, headLength: result.headLength)
        } catch {
            self = .failed(error)
        }
    }

    var description: String {
        switch self {
        case .incomplete: "incomplete"
        case .parsed(let head, let framing, let headLength): "parsed \(head), \(framing), \(headLength) bytes"
        case .failed(let error): "failed: \(error)"
        }
    }
}

/// Parses `input` whole, then every proper prefix of it, and records an issue for each prefix that
/// disagrees with the whole: a prefix must be incomplete, or throw the error the whole throws, or
/// (once it holds the whole head) parse the same head. Every slice starts at a non-zero index and
/// has bytes after it, so the parser must respect the slice's bounds.
///
/// - Returns: The outcome for the whole input.
func parseAtEveryByteSplit<Head: Equatable>(
    _ input: [UInt8],
    sourceLocation: SourceLocation = #_sourceLocation,
    _ parse: (ArraySlice<UInt8>) throws(HTTPParseError) -> (head: Head, framing: HTTPBodyFraming, headLength: Int)?
) -> ParseOutcome<Head> {
    let padding = Array("XX\r\n\r\n".utf8)
    let padded = padding + input + padding
    func outcome(count: Int) -> ParseOutcome<Head> {
        ParseOutcome { () throws(HTTPParseError) in try parse(padded[padding.count..<(padding.count + count)]) }
    }
    let whole = outcome(count: input.count)
    for count in 0..<input.count {
        let prefix = outcome(count: count)
        let agrees = switch (prefix, whole) {
        case (.incomplete, .parsed(_, _, let headLength)): count < headLength
        case (.incomplete, _): true
        default: prefix == whole
        }
        if !agrees {
            Issue.record("The first \(count) bytes gave \(prefix); all \(input.count) gave \(whole)",
                         sourceLocation: sourceLocation)
        }
    }
    return whole
}
