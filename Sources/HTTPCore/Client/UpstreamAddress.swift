/// The server a proxy forwards to, given as `http://HOST:PORT` (nginx's `proxy_pass` URL).
public struct UpstreamAddress: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `http://HOST[:PORT][/]`; `nil` for any other scheme, a path, or a bad port.
    public init?(url: String) {
        guard url.lowercased().hasPrefix("http://") else { return nil }
        var authority = url.dropFirst("http://".count)
        if authority.hasSuffix("/") { authority = authority.dropLast() }
        guard !authority.isEmpty, !authority.contains("/"), !authority.contains("@") else { return nil }
        if authority.hasPrefix("[") {  // [::1]:8000
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let rest = authority[authority.index(after: close)...]
            guard rest.isEmpty || rest.hasPrefix(":") else { return nil }
            guard let port = rest.isEmpty ? 80 : Int(rest.dropFirst()) else { return nil }
            self.port = port
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            guard let port = Int(authority[authority.index(after: colon)...]) else { return nil }
            self.port = port
        } else {
            host = String(authority)
            port = 80
        }
        guard !host.isEmpty, (1...65535).contains(port) else { return nil }
    }

    /// The upstream as nginx's `$proxy_host` names it: `host:port`, or just `host` for port 80.
    /// It is both the `Host` header sent upstream and the first part of the cache key.
    public var proxyHost: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == 80 ? name : "\(name):\(port)"
    }

    public var description: String { "http://\(proxyHost)" }
}
