/// How the content after a message head is delimited (RFC 9112 §6.3).
public enum HTTPBodyFraming: Equatable, Sendable {
    /// No content follows the head.
    case none
    /// Exactly this many bytes follow.
    case contentLength(Int)
    /// The chunked transfer coding follows (RFC 9112 §7.1).
    case chunked
    /// Content runs until the peer closes the connection (responses only, RFC 9112 §6.3 item 8).
    case untilClose
}
