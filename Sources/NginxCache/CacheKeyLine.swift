/// The line between a cache file's header and its stored response head: `\nKEY: <key>\n`.
///
/// The key is read at its fixed offset, from byte 342 up to `header_start - 1`, never by
/// searching for a newline: the binary header before it can hold a 0x0A byte (in a crc32 or a
/// time), and a tool that searches misreads those files.
public enum CacheKeyLine {
    /// What comes before the key: a newline, `KEY: `.
    public static let prefix = Array("\nKEY: ".utf8)

    /// The line for `key`, ready to follow the header.
    public static func encode(_ key: [UInt8]) -> [UInt8] {
        prefix + key + [0x0A]
    }

    // ANCHOR: key-line
    /// The key of the file whose first bytes are `bytes` and whose header is `header`.
    ///
    /// - Throws: `.offsetsOutsideFile` when `header_start` leaves no room for the line or lies
    ///   beyond `bytes`, `.malformedKeyLine` when the line is not `\nKEY: …\n`.
    public static func key(in bytes: [UInt8], header: CacheFileHeader) throws(CacheFileError) -> [UInt8] {
        let keyStart = CacheFileHeader.size + prefix.count
        let keyEnd = Int(header.headerStart) - 1
        guard keyEnd >= keyStart, keyEnd < bytes.count else { throw .offsetsOutsideFile }
        guard bytes[CacheFileHeader.size..<keyStart].elementsEqual(prefix), bytes[keyEnd] == 0x0A else {
            throw .malformedKeyLine
        }
        return Array(bytes[keyStart..<keyEnd])
    }
    // ANCHOR_END: key-line
}
