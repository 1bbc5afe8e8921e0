/// An HTTP request method (RFC 9110 §9), compared case-sensitively as the RFC requires.
///
/// Unknown methods are representable: the parser accepts any token, and a handler decides
/// whether to answer `405 Method Not Allowed` or `501 Not Implemented`.
public struct HTTPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    /// Whether sending the request twice has the same effect as once (RFC 9110 §9.2.2), so a
    /// client may retry it after a connection failure.
    public var isIdempotent: Bool {
        [.get, .head, .options, .trace, .put, .delete].contains(self)
    }

    public static let get = HTTPMethod(rawValue: "GET")
    public static let head = HTTPMethod(rawValue: "HEAD")
    public static let post = HTTPMethod(rawValue: "POST")
    public static let put = HTTPMethod(rawValue: "PUT")
    public static let delete = HTTPMethod(rawValue: "DELETE")
    public static let options = HTTPMethod(rawValue: "OPTIONS")
    public static let patch = HTTPMethod(rawValue: "PATCH")
    public static let connect = HTTPMethod(rawValue: "CONNECT")
    public static let trace = HTTPMethod(rawValue: "TRACE")
    /// Not in RFC 9110: the de-facto method cache purgers use (ngx_cache_purge, Varnish).
    public static let purge = HTTPMethod(rawValue: "PURGE")
}
