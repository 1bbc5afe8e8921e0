/// The media type a file is served as, chosen by its extension, case-insensitively.
///
/// An unknown extension, or none, is `application/octet-stream` (RFC 9110 §8.3: the recipient
/// may then treat it as data, not guess). Text types name their charset, as nginx's `charset
/// utf-8` would.
enum ContentType {
    /// The media type for a file named `name` (a bare name or a path).
    static func forFile(named name: some StringProtocol) -> String {
        let fileName = name.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        // A leading dot starts a hidden name (".jpg" is a file called ".jpg"), not an extension.
        guard let dot = fileName.lastIndex(of: "."), dot != fileName.startIndex else { return defaultType }
        let fileExtension = fileName[fileName.index(after: dot)...].lowercased()
        return typesByExtension[fileExtension] ?? defaultType
    }

    /// The type for everything not in the table.
    static let defaultType = "application/octet-stream"

    private static let typesByExtension: [String: String] = [
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "png": "image/png",
        "gif": "image/gif",
        "webp": "image/webp",
        "avif": "image/avif",
        "svg": "image/svg+xml",
        "html": "text/html; charset=utf-8",
        "css": "text/css; charset=utf-8",
        "js": "text/javascript; charset=utf-8",
        "json": "application/json",
        "txt": "text/plain; charset=utf-8",
    ]
}
