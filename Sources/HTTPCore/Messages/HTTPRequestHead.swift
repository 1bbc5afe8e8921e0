/// A parsed request line and header section (RFC 9112 §3 and §5).
///
/// The target is kept exactly as received: a cache key is built from the raw target
/// (nginx's `$request_uri`), and a file server decodes it itself.
public struct HTTPRequestHead: Sendable, Equatable {
    public var method: HTTPMethod
    /// The request target as received, e.g. `/1.jpg?w=100` (RFC 9112 §3.2).
    public var target: String
    public var version: HTTPVersion
    public var headerFields: HTTPFields

    public init(method: HTTPMethod, target: String, version: HTTPVersion, headerFields: HTTPFields) {
        self.method = method
        self.target = target
        self.version = version
        self.headerFields = headerFields
    }

    /// The target's path, before any `?`, still percent-encoded.
    public var path: Substring {
        target.firstIndex(of: "?").map { target[..<$0] } ?? target[...]
    }

    /// The target's query after the first `?`, or `nil` when there is no `?`.
    public var query: Substring? {
        target.firstIndex(of: "?").map { target[target.index(after: $0)...] }
    }

    /// The target in origin-form, as a proxy forwards it and nginx's `$request_uri` holds it:
    /// `/1.jpg?w=100` for both `/1.jpg?w=100` and `http://example.com/1.jpg?w=100`;
    /// `nil` for the asterisk form (`OPTIONS *`) and the authority form (`CONNECT`).
    public var originFormTarget: String? {
        Self.originForm(of: target[...])
    }

    /// The origin-form of a request target (RFC 9112 §3.2.1), or `nil` if it has none.
    public static func originForm(of target: Substring) -> String? {
        // RFC 9112 §3.2.1: origin-form, what clients send to an origin server.
        if target.hasPrefix("/") { return String(target) }
        // RFC 9112 §3.2.2: absolute-form, what clients send to a proxy, must be accepted too.
        // The scheme is case-insensitive (RFC 3986 §3.1); the authority ends at the first "/"
        // or "?", and an empty path is "/" (RFC 3986 §6.2.3).
        for scheme in ["http://", "https://"] where target.prefix(scheme.count).equalsIgnoringASCIICase(scheme) {
            let afterScheme = target.dropFirst(scheme.count)
            guard let end = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return "/" }
            return afterScheme[end] == "/" ? String(afterScheme[end...]) : "/" + afterScheme[end...]
        }
        return nil
    }

    /// Whether `target` may be written in a request line as it is: not empty, no whitespace,
    /// control characters or `#` (RFC 9112 §3.2). A target made from a file name or a cache key
    /// is checked (or built with `PercentEncoding.encodePath`) before it goes out.
    public static func isValidOutboundTarget(_ target: String) -> Bool {
        !target.isEmpty && target.utf8.allSatisfy { $0 > 0x20 && $0 != 0x7F && $0 != UInt8(ascii: "#") }
    }

    /// Whether the connection may stay open after this request (RFC 9112 §9.3): HTTP/1.1
    /// unless the client sent `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`.
    public var shouldKeepAlive: Bool {
        headerFields.allowKeepAlive(in: version)
    }
}

