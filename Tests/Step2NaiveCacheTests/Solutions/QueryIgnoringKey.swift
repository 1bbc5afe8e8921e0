import HTTPCore
@testable import Step2NaiveCache

// Chapter 2, exercise 4 (docs/solutions/02-naive-cache.md): a key that ignores the query.

// ANCHOR: query-ignoring-key
extension CacheKey {
    /// nginx's `$proxy_host$uri`-like key, without `$uri`'s decoding and normalisation: the
    /// target up to its first `?`, so `/1.jpg`, `/1.jpg?v=1` and `/1.jpg?` share one entry.
    /// The upstream still gets the whole target.
    init(proxyHost: String, targetIgnoringQuery target: String) {
        self.init(proxyHost: proxyHost, target: String(target.prefix { $0 != "?" }))
    }
}
// ANCHOR_END: query-ignoring-key
