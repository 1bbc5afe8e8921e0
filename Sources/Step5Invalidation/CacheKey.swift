import HTTPCore

// ANCHOR: cache-key
/// The key a response is stored under: nginx's `$proxy_host$request_uri`, such as
/// `127.0.0.1:8000/1.jpg?w=100`.
///
/// The request target is taken raw, query included and not normalised, as nginx's
/// `$request_uri` is: `/1.jpg`, `/1.jpg?`, `//1.jpg` and `/%31.jpg` are four different keys,
/// even though an origin may well serve the same file for all of them.
struct CacheKey: Hashable, Sendable, CustomStringConvertible {
    /// The key as nginx writes it in the cache file and hashes it with md5 for the file's name.
    let rawValue: String

    /// The key for `target`, as received from the client, forwarded to the upstream `proxyHost`
    /// (`UpstreamAddress.proxyHost`: `host:port`, or just `host` for port 80).
    init(proxyHost: String, target: String) {
        rawValue = proxyHost + target
    }

    /// A key read back from a cache file's key line.
    init(rawValue: String) {
        self.rawValue = rawValue
    }

    var description: String { rawValue }
}
// ANCHOR_END: cache-key
