/// Percent-encoding (RFC 3986 §2.1): `%` and two hex digits for an octet that may not appear
/// as itself.
///
/// Decoding is for paths received (a file server maps them to names); encoding is for paths
/// sent, made from names that can hold anything: a space, a quote, `#`, `?`, bytes of UTF-8, a
/// CR. An encoded path is always a valid request target.
public enum PercentEncoding {
    /// The octets of `encoded` with every `%XX` replaced by the octet it stands for; `nil` when a
    /// `%` is not followed by two hex digits.
    public static func decode(_ encoded: some Collection<UInt8>) -> [UInt8]? {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(encoded.count)
        var bytes = encoded.makeIterator()
        while let byte = bytes.next() {
            guard byte == UInt8(ascii: "%") else {
                decoded.append(byte)
                continue
            }
            guard let high = bytes.next().flatMap(hexValue), let low = bytes.next().flatMap(hexValue) else { return nil }
            decoded.append(high << 4 | low)
        }
        return decoded
    }

    // ANCHOR: encode-path
    /// `path` with every octet of its UTF-8 that is not allowed in a path written `%XX`
    /// (RFC 3986 §3.3: `pchar` and `/` stay as they are), such as `/a%20b.jpg` for `/a b.jpg`.
    public static func encodePath(_ path: some StringProtocol) -> String {
        encodePath(bytes: path.utf8)
    }

    /// The path made of the octets `bytes`, encoded as `encodePath(_:)` does: for names that may
    /// not be UTF-8, such as a file's name as git stores it.
    public static func encodePath(bytes: some Collection<UInt8>) -> String {
        var encoded: [UInt8] = []
        encoded.reserveCapacity(bytes.count)
        for byte in bytes {
            if isPathCharacter(byte) {
                encoded.append(byte)
            } else {
                encoded += [UInt8(ascii: "%"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: encoded, as: UTF8.self)
    }
    // ANCHOR_END: encode-path

    /// Whether `byte` may stand for itself in a path: unreserved, sub-delims, `:`, `@` and `/`
    /// (RFC 3986 §3.3). `%` is not: a literal percent sign is encoded too.
    private static func isPathCharacter(_ byte: UInt8) -> Bool {
        HTTPHeadScanner.ASCII.isUnreservedOrSubDelimiter(byte)
            || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "@") || byte == UInt8(ascii: "/")
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// The value of one hexadecimal digit, either case.
    private static func hexValue(_ byte: UInt8) -> UInt8? {
        HTTPHeadScanner.ASCII.hexDigitValue(byte).map(UInt8.init)
    }
}
