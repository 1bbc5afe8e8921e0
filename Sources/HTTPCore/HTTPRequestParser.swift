/// A pure HTTP/1.1 request-head parser: bytes in, a request head or a typed error out.
public enum HTTPRequestParser {
    /// Parses the request head at the start of `bytes`.
    ///
    /// - Returns: `nil` while the head is incomplete and no limit is exceeded yet; otherwise the
    ///   head, how its content is framed, and how many bytes of `bytes` the head used.
    public static func parseHead(
        _ bytes: ArraySlice<UInt8>,
        limits: HTTPParserLimits = .default
    ) throws(HTTPParseError) -> (head: HTTPRequestHead, framing: HTTPBodyFraming, headLength: Int)? {
        fatalError("not implemented yet")
    }
}
