@testable import Step5Invalidation

// Chapter 5, exercise 1 (docs/solutions/05-invalidation.md): a host in the source.

// ANCHOR: hosted-source
/// A source that names its host, for `--source-host`: the same path on two hosts is two sources.
///
/// The host is compared as RFC 3986 §6.2.2.1 and §6.2.3 say: lower-cased, and without the
/// scheme's default port, so `HTTP://CDN.Example:80/1.jpg` and `http://cdn.example/1.jpg` are
/// one source. A key's side is nginx's `$proxy_host`, which leaves port 80 out the same way.
struct HostedSource: Hashable {
    let host: String
    let path: SourcePath

    /// The source an invalidation URL names; `nil` for a path alone (it names no host), userinfo,
    /// or a URL whose path `SourcePath` refuses.
    init?(url: String) {
        let lower = url.lowercased()
        let scheme = ["http://", "https://"].first { lower.hasPrefix($0) }
        guard let scheme, let path = SourcePath(url: url) else { return nil }
        let authority = lower.dropFirst(scheme.count).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        let defaultPort = scheme == "http://" ? ":80" : ":443"
        var host = String(authority)
        if host.hasSuffix(defaultPort) { host.removeLast(defaultPort.count) }
        if host.hasSuffix(":") { host.removeLast() }     // §6.2.3: an empty port is no port
        self.init(host: host, path: path)
    }

    /// The source of a key forwarded to `proxyHost` (`127.0.0.1:8000`, or `cdn.example` for port 80).
    init(host: String, path: SourcePath) {
        self.host = host.lowercased()
        self.path = path
    }
}
// ANCHOR_END: hosted-source
