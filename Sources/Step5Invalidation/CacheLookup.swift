/// What the cache says about one GET or HEAD, after counting it as a use of its key: nginx's
/// `$upstream_cache_status` for the request, and whether the upstream's answer may be stored.
enum CacheLookup: Sendable {
    /// A fresh entry: answer from its file (if the file still checks out), the upstream is not asked.
    case hit(CachedResponse)
    /// An entry past its `validUntil`: ask the upstream, and let a storable answer replace it.
    case expired
    /// No entry: ask the upstream. Its answer may be stored only once the key has been used
    /// `--min-uses` times, counting this request (nginx's `proxy_cache_min_uses`).
    case miss(isAdmitted: Bool)
}
