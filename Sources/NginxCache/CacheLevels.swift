/// The directory levels of an nginx cache (`proxy_cache_path … levels=1:2`): how a cache file's
/// md5 name spreads the files over subdirectories.
///
/// Each level takes one or two hex digits from the *end* of the name, the first level the last
/// ones: with `1:2`, the file `b37ddbaa7469e61f7b5caa77983547f5` lives in `5/7f/`. From one to
/// three levels, as nginx accepts.
public struct CacheLevels: Sendable, Equatable, CustomStringConvertible {
    /// The digits each level takes, first level first: `[1, 2]` for `1:2`.
    public let digitsPerLevel: [Int]

    /// Reads nginx's notation, `1`, `1:2`, `2:2:1`…; `nil` unless it is one to three levels of
    /// one or two digits each.
    public init?(parsing text: some StringProtocol) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { return nil }
        var digits: [Int] = []
        for part in parts {
            guard part == "1" || part == "2" else { return nil }
            digits.append(part == "1" ? 1 : 2)
        }
        digitsPerLevel = digits
    }

    /// `1:2`, nginx's most common choice and the workshop's.
    public static let oneTwo = CacheLevels(parsing: "1:2")!

    // ANCHOR: relative-path
    /// The path of the file named `hexName` (32 hex digits) relative to the cache directory:
    /// `5/7f/b37ddbaa7469e61f7b5caa77983547f5` for levels `1:2`.
    public func relativePath(ofFileNamed hexName: String) -> String {
        // Why bytes: this runs on every HIT; the name is ASCII hex, so bytes are characters.
        let name = Array(hexName.utf8)
        var path: [UInt8] = []
        path.reserveCapacity(name.count + 3 * digitsPerLevel.count)
        var end = name.count
        for digits in digitsPerLevel {
            path += name[max(0, end - digits)..<end]
            path.append(UInt8(ascii: "/"))
            end -= digits
        }
        path += name
        return String(decoding: path, as: UTF8.self)
    }
    // ANCHOR_END: relative-path

    /// `1:2`.
    public var description: String {
        digitsPerLevel.map(String.init).joined(separator: ":")
    }
}
