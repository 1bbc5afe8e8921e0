import HTTPCore

// ANCHOR: source-index
/// Which cached keys come from which source image: the index an invalidation by source reads, so
/// that "drop every variant of `/1.jpg`" touches the files of those keys and nothing else, and
/// reads no file and no directory to find them.
///
/// A key's sources (`sources(of:)`) are the normalised path of its target (`/1.jpg` for
/// `127.0.0.1:8000/1.jpg?w=100`) and, when a source parameter is set, the normalised path of the
/// URL each such query parameter names (`/1.jpg` for `…/resize?url=http://origin/1.jpg&width=300`,
/// Imcaxy's processor URLs). `KeyIndex` keeps it beside its own nodes: a key is here exactly
/// while it has an entry. Not safe to share between threads; it lives under the index's lock.
struct SourceIndex: Sendable {
    /// The query parameter that names a key's source image, as `url` in Imcaxy; `nil` for none.
    let sourceParameter: String?
    private var keysBySource: [SourcePath: Set<CacheKey>] = [:]

    init(sourceParameter: String?) {
        self.sourceParameter = sourceParameter
    }

    /// The sources `key` is a variant of; empty for a key with no path (not one this proxy makes).
    static func sources(of key: CacheKey, sourceParameter: String?) -> [SourcePath] {
        let text = key.rawValue
        // The key is `$proxy_host$request_uri`: the host part has no `/`, the target starts with one.
        guard let slash = text.utf8.firstIndex(of: UInt8(ascii: "/")) else { return [] }
        let target = text[slash...]
        var sources = SourcePath(keyTarget: target.utf8).map { [$0] } ?? []
        // A query that is not valid percent-encoded UTF-8 names no source beyond the path.
        guard let sourceParameter, let query = try? QueryParameters(target: String(target)) else { return sources }
        for url in query.values(of: sourceParameter) {
            guard let source = SourcePath(url: url), !sources.contains(source) else { continue }
            sources.append(source)
        }
        return sources
    }

    /// The sources of `key` under this index's parameter.
    func sources(of key: CacheKey) -> [SourcePath] {
        Self.sources(of: key, sourceParameter: sourceParameter)
    }

    /// Records that `key` has an entry.
    mutating func insert(_ key: CacheKey) {
        for source in sources(of: key) { keysBySource[source, default: []].insert(key) }
    }

    /// Records that `key` no longer has an entry.
    mutating func remove(_ key: CacheKey) {
        for source in sources(of: key) {
            guard var keys = keysBySource[source] else { continue }
            keys.remove(key)
            keysBySource[source] = keys.isEmpty ? nil : keys
        }
    }

    /// The keys with an entry that are variants of `source`: one dictionary lookup.
    func keys(from source: SourcePath) -> Set<CacheKey> {
        keysBySource[source] ?? []
    }
}
// ANCHOR_END: source-index
