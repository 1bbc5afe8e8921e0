/// Why bytes are not a cache file this cache may use; every case means "treat the entry as
/// absent", never "serve it".
public enum CacheFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No file at the entry's path.
    case missing
    /// A directory, a symlink or another non-regular file where the entry's file belongs.
    case notARegularFile
    /// The file could not be read, with its errno.
    case unreadable(Int32)
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
    /// The bytes between `header_start` and `body_start` are not one complete response head.
    case malformedStoredHead
    /// The stored head's `Content-Length` is not the size of the body that follows it.
    case bodyLengthMismatch

    public var description: String {
        switch self {
        case .missing: "no such file"
        case .notARegularFile: "not a regular file"
        case .unreadable(let code): "cannot be read (errno \(code))"
        case .tooShort: "shorter than a cache header and key"
        case .unsupportedVersion(let version): "cache file version \(version), not 5"
        case .offsetsOutsideFile: "header or body offset outside the file"
        case .invalidFieldLength: "an ETag or Vary length over 128 bytes"
        case .malformedKeyLine: "no key line after the header"
        case .keyMismatch: "the file holds another key"
        case .checksumMismatch: "the key's crc32 does not match the header"
        case .malformedStoredHead: "the stored response head is not valid"
        case .bodyLengthMismatch: "the body is not as long as its Content-Length"
        }
    }
}
