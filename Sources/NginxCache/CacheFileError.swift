/// Why bytes are not a cache file this cache may use; every case means "treat the entry as
/// absent", never "serve it".
public enum CacheFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer bytes than the header and the key line need.
    case tooShort
    /// A format version other than nginx's 5.
    case unsupportedVersion(UInt64)
    /// `header_start` or `body_start` outside the file, or in the wrong order.
    case offsetsOutsideFile
    /// An ETag or Vary length larger than its 128-byte field.
    case invalidFieldLength
    /// The bytes after the header are not `\nKEY: <key>\n`.
    case malformedKeyLine
    /// The key line names another key than the one the file was looked up for.
    case keyMismatch
    /// The header's crc32 is not the key's.
    case checksumMismatch

    public var description: String {
        switch self {
        case .tooShort: "shorter than a cache header and key"
        case .unsupportedVersion(let version): "cache file version \(version), not 5"
        case .offsetsOutsideFile: "header or body offset outside the file"
        case .invalidFieldLength: "an ETag or Vary length over 128 bytes"
        case .malformedKeyLine: "no key line after the header"
        case .keyMismatch: "the file holds another key"
        case .checksumMismatch: "the key's crc32 does not match the header"
        }
    }
}
