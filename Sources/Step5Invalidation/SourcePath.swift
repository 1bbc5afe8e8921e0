// ANCHOR: source-path
/// The path of a source image, normalised as RFC 3986 §6.2.2 says two URIs are compared: the
/// form in which `/1.jpg`, `/%31.jpg`, `/a/../1.jpg` and `/%7e1.jpg` vs `/~1.jpg` are each one path.
///
/// Three rules, in this order:
/// - §6.2.2.2: `%XX` that stands for an unreserved character (letters, digits, `-._~`) becomes
///   that character; the hex digits of every other `%XX` are written in upper case (§6.2.2.1);
/// - §6.2.2.3: `.` and `..` segments are removed (§5.2.4's algorithm);
/// - §6.2.3: an empty path is `/`.
///
/// Only the path counts: the scheme and host of an absolute URL and any query are left out, so
/// `http://cdn.example/1.jpg?w=100` names the source `/1.jpg`.
struct SourcePath: Hashable, Sendable, CustomStringConvertible {
    /// The normalised path, starting with `/`.
    let rawValue: String

    var description: String { rawValue }

    /// The source a client names: an absolute `http` or `https` URL, or a path starting with
    /// `/`; `nil` for anything else (`ftp://a/b`, `1.jpg`, `//host/1.jpg`, a broken `%`).
    init?(url: String) {
        let bytes = Array(url.utf8)
        guard !bytes.isEmpty, !bytes.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else { return nil }
        if bytes.first == UInt8(ascii: "/") {
            // RFC 3986 §4.2: `//host/path` is a network-path reference, not a path.
            guard bytes.count == 1 || bytes[1] != UInt8(ascii: "/") else { return nil }
            self.init(pathOf: bytes[...])
            return
        }
        let lowered = url.lowercased()
        let schemeLength = lowered.hasPrefix("http://") ? 7 : lowered.hasPrefix("https://") ? 8 : 0
        guard schemeLength > 0 else { return nil }
        let afterScheme = bytes[schemeLength...]
        // The authority ends at the first `/`, `?` or `#` (RFC 3986 §3.2); it may not be empty.
        let authorityEnd = afterScheme.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
            ?? afterScheme.endIndex
        guard authorityEnd > afterScheme.startIndex else { return nil }
        self.init(pathOf: bytes[authorityEnd...])
    }

    /// The source of a cache key's target part, `/1.jpg?w=100` (the key's text from its first `/`).
    init?(keyTarget: Substring.UTF8View) {
        self.init(pathOf: ArraySlice(keyTarget))
    }

    /// The normalised path of `reference`, which starts at a path (or at `?`/`#`/its end when
    /// the path is empty); `nil` when a `%` is not followed by two hex digits.
    private init?(pathOf reference: ArraySlice<UInt8>) {
        let pathEnd = reference.firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? reference.endIndex
        guard let decoded = Self.normalizingPercentEncoding(reference[..<pathEnd]) else { return nil }
        let path = Self.removingDotSegments(decoded)
        rawValue = path.isEmpty ? "/" : String(decoding: path, as: UTF8.self)
    }
    // ANCHOR_END: source-path

    // MARK: - RFC 3986 §6.2.2

    /// §6.2.2.1 and §6.2.2.2: unreserved characters decoded, other escapes in upper case.
    private static func normalizingPercentEncoding(_ path: ArraySlice<UInt8>) -> [UInt8]? {
        var result: [UInt8] = []
        result.reserveCapacity(path.count)
        var index = path.startIndex
        while index < path.endIndex {
            let byte = path[index]
            guard byte == UInt8(ascii: "%") else {
                result.append(byte)
                index += 1
                continue
            }
            guard index + 2 < path.endIndex,
                  let high = path[index + 1].hexDigitValue, let low = path[index + 2].hexDigitValue
            else { return nil }
            let decoded = high << 4 | low
            if isUnreserved(decoded) {
                result.append(decoded)
            } else {
                result += [UInt8(ascii: "%"), hexDigits[Int(high)], hexDigits[Int(low)]]
            }
            index += 3
        }
        return result
    }

    /// RFC 3986 §2.3: `ALPHA / DIGIT / "-" / "." / "_" / "~"`.
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    // ANCHOR: remove-dot-segments
    /// RFC 3986 §5.2.4, for a path that starts with `/` (or is empty): `.` segments go, and each
    /// `..` removes the segment before it; none can climb above the root.
    private static func removingDotSegments(_ path: [UInt8]) -> [UInt8] {
        var output: [ArraySlice<UInt8>] = []
        let segments = path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst()
        for (position, segment) in segments.enumerated() {
            let isLast = position == segments.count - 1
            switch Array(segment) {
            case Array(".".utf8):
                // A final `.` leaves the path ending in `/` (`/a/.` is `/a/`).
                if isLast { output.append([]) }
            case Array("..".utf8):
                _ = output.popLast()
                if isLast { output.append([]) }
            default:
                output.append(segment)
            }
        }
        return output.reduce(into: []) { path, segment in path += [UInt8(ascii: "/")] + segment }
    }
    // ANCHOR_END: remove-dot-segments
}

extension UInt8 {
    /// The value of this byte as one hexadecimal digit, either case; `nil` for any other byte.
    var hexDigitValue: UInt8? {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): self - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): self - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): self - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
