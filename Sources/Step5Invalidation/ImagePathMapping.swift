import HTTPCore

// ANCHOR: image-path-mapping
/// Which files of a repository are images the cache serves, and at which URL path: a file
/// `images/a b.jpg`, with `under` `images` and the URL prefix `/`, is `/a%20b.jpg`.
struct ImagePathMapping: Sendable {
    /// The default `--match`: the usual image extensions, in any case.
    static let imageExtensions = #"(?i)\.(jpe?g|png|gif|webp|avif|svg|ico|bmp|tiff?)$"#

    /// The repository directory holding the served files, without slashes at either end; empty
    /// for the whole repository.
    let under: String
    /// What the URL path of a file starts with: `/` by default, `/static/` for a site that serves
    /// them there. It always starts and ends with `/`.
    let urlPrefix: String
    /// Patterns of which one must match a file's path below `under` (Swift `Regex`, unanchored).
    let patterns: [String]

    init(under: String = "", urlPrefix: String = "/", patterns: [String] = [Self.imageExtensions]) {
        self.under = under.split(separator: "/").joined(separator: "/")
        var prefix = urlPrefix.hasPrefix("/") ? urlPrefix : "/" + urlPrefix
        if !prefix.hasSuffix("/") { prefix += "/" }
        self.urlPrefix = prefix
        self.patterns = patterns
    }

    /// The URL path of the file at `path` (bytes, as git names it); `nil` when it is outside
    /// `under` or matches no pattern.
    func urlPath(of path: [UInt8]) -> String? {
        let prefix = Array(under.utf8) + (under.isEmpty ? [] : [UInt8(ascii: "/")])
        guard path.count > prefix.count, path.starts(with: prefix) else { return nil }
        let relative = path[prefix.count...]
        // Patterns see the name as text; a byte that is not UTF-8 shows as U+FFFD there, and
        // stays itself, percent-encoded, in the URL.
        let text = String(decoding: relative, as: UTF8.self)
        guard patterns.contains(where: { pattern in
            (try? Regex(pattern)).flatMap { try? $0.firstMatch(in: text) } != nil
        }) else { return nil }
        // RFC 3986 §3.3: every octet that may not stand for itself in a path is %XX.
        return urlPrefix + PercentEncoding.encodePath(bytes: relative)
    }
}
// ANCHOR_END: image-path-mapping
