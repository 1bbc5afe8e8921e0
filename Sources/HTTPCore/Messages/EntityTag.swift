/// An entity tag (RFC 9110 §8.8.3): an opaque quoted string naming one version of a
/// representation, weak when written `W/"…"`.
///
/// A strong tag promises identical bytes, so it can validate a range; a weak one only promises
/// equivalent content.
public struct EntityTag: Equatable, Sendable, CustomStringConvertible {
    /// The characters between the quotes.
    public var opaqueTag: String
    /// Whether the tag is weak.
    public var isWeak: Bool

    /// A tag with these parts.
    public init(opaqueTag: String, isWeak: Bool = false) {
        self.opaqueTag = opaqueTag
        self.isWeak = isWeak
    }

    /// The strong tag nginx gives a static file, `"<mtime hex>-<size hex>"`, e.g. `"6553f100-3e8"`.
    ///
    /// Rewriting the file changes it unless both the second and the size stay the same.
    public init(modificationTime: Int64, size: Int64) {
        self.init(opaqueTag: String(modificationTime, radix: 16) + "-" + String(size, radix: 16))
    }

    /// Reads one entity-tag, `"…"` or `W/"…"`; `nil` when `text` is not exactly one.
    public init?(parsing text: some StringProtocol) {
        var rest = Substring(text)
        // RFC 9110 §8.8.3: the weak indicator is a case-sensitive "W/".
        let isWeak = rest.hasPrefix("W/")
        if isWeak { rest = rest.dropFirst(2) }
        guard rest.count >= 2, rest.first == "\"", rest.last == "\"" else { return nil }
        let opaqueTag = rest.dropFirst().dropLast()
        // RFC 9110 §8.8.3: etagc = %x21 / %x23-7E / obs-text, so no DQUOTE, space or control.
        guard opaqueTag.utf8.allSatisfy({ $0 == 0x21 || ($0 >= 0x23 && $0 != 0x7F) }) else { return nil }
        self.init(opaqueTag: String(opaqueTag), isWeak: isWeak)
    }

    /// The tag as a field value: `"…"` or `W/"…"`.
    public var description: String {
        (isWeak ? "W/" : "") + "\"" + opaqueTag + "\""
    }

    /// Whether both tags are strong and equal: the comparison If-Range and If-Match use (RFC 9110 §8.8.3.2).
    public func matchesStrongly(_ other: EntityTag) -> Bool {
        !isWeak && !other.isWeak && opaqueTag == other.opaqueTag
    }

    /// Whether the tags are equal once `W/` is ignored: the comparison If-None-Match uses (RFC 9110 §8.8.3.2).
    public func matchesWeakly(_ other: EntityTag) -> Bool {
        opaqueTag == other.opaqueTag
    }
}
