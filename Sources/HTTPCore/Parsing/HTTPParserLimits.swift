/// The size limits a server enforces while reading a request (conventions: 414, 431, 413).
public struct HTTPParserLimits: Sendable, Equatable {
    /// The longest request line, CRLF excluded; longer answers 414 (nginx: 8k).
    public var maxRequestLineLength: Int
    /// The largest header section, from after the request line to the empty line; larger answers 431.
    public var maxHeaderSectionLength: Int
    /// The most header field lines; more answers 431.
    public var maxHeaderFieldCount: Int
    /// The largest request content; larger answers 413 (nginx: `client_max_body_size 1m`).
    public var maxContentLength: Int

    public init(
        maxRequestLineLength: Int = 8192,
        maxHeaderSectionLength: Int = 32768,
        maxHeaderFieldCount: Int = 100,
        maxContentLength: Int = 1 << 20
    ) {
        self.maxRequestLineLength = maxRequestLineLength
        self.maxHeaderSectionLength = maxHeaderSectionLength
        self.maxHeaderFieldCount = maxHeaderFieldCount
        self.maxContentLength = maxContentLength
    }

    public static let `default` = HTTPParserLimits()
}
