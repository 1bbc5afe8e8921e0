/// The 336-byte binary header at the start of every nginx cache file, version 5, as nginx writes
/// it on x86_64 (`ngx_http_file_cache_header_t`: native little-endian integers, 8-byte `time_t`).
///
/// | offset | size | field |
/// |---:|---:|---|
/// | 0 | 8 | version, 5 |
/// | 8 | 8 | valid_sec: fresh until, Unix seconds |
/// | 16 | 8 | updating_sec |
/// | 24 | 8 | error_sec |
/// | 32 | 8 | last_modified: the origin's `Last-Modified`, or -1 |
/// | 40 | 8 | date: when the response arrived |
/// | 48 | 4 | crc32 of the key |
/// | 52 | 2 | valid_msec |
/// | 54 | 2 | header_start: where the stored response head starts |
/// | 56 | 2 | body_start: where the body starts |
/// | 58 | 1 + 128 | the ETag's length and bytes, zero padded |
/// | 187 | 1 + 128 | the Vary value's length and bytes, zero padded |
/// | 316 | 16 | variant: md5 of the Vary values, zeros without Vary |
/// | 332 | 4 | padding |
public struct CacheFileHeader: Sendable, Equatable {
    /// The format version this type reads and writes.
    public static let version: UInt64 = 5
    /// The header's size in bytes.
    public static let size = 336
    /// The longest ETag or Vary value the header holds.
    public static let maxFieldLength = 128

    public var validUntil: Int64
    public var updatingSeconds: Int64 = 0
    public var errorSeconds: Int64 = 0
    /// The origin's `Last-Modified` in Unix seconds, or -1 when it sent none.
    public var lastModified: Int64
    /// When the response arrived, Unix seconds.
    public var date: Int64
    /// The CRC-32 of the key.
    public var keyChecksum: UInt32
    public var validMilliseconds: UInt16 = 0
    /// The offset of the stored response head: the header, then `\nKEY: `, the key and `\n`.
    public var headerStart: UInt16
    /// The offset of the body: `headerStart` plus the stored head's length.
    public var bodyStart: UInt16
    /// The ETag value as stored (at most 128 bytes).
    public var entityTag: [UInt8] = []
    /// The Vary value as stored (at most 128 bytes).
    public var vary: [UInt8] = []
    /// The md5 of the Vary values: 16 zero bytes without Vary.
    public var variant: [UInt8] = [UInt8](repeating: 0, count: 16)

    public init(validUntil: Int64, lastModified: Int64, date: Int64, keyChecksum: UInt32,
                headerStart: UInt16, bodyStart: UInt16) {
        self.validUntil = validUntil
        self.lastModified = lastModified
        self.date = date
        self.keyChecksum = keyChecksum
        self.headerStart = headerStart
        self.bodyStart = bodyStart
    }

    // MARK: - Bytes

    /// The header's 336 bytes.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.size)
        for value in [Int64(Self.version), validUntil, updatingSeconds, errorSeconds, lastModified, date] {
            Self.append(UInt64(bitPattern: value), byteCount: 8, to: &bytes)
        }
        Self.append(UInt64(keyChecksum), byteCount: 4, to: &bytes)
        for value in [validMilliseconds, headerStart, bodyStart] { Self.append(UInt64(value), byteCount: 2, to: &bytes) }
        for field in [entityTag, vary] {
            let stored = field.prefix(Self.maxFieldLength)
            bytes.append(UInt8(stored.count))
            bytes += stored + [UInt8](repeating: 0, count: Self.maxFieldLength - stored.count)
        }
        bytes += variant.prefix(16) + [UInt8](repeating: 0, count: 16 - min(16, variant.count))
        bytes += [0, 0, 0, 0]
        return bytes
    }

    /// Reads a header from the first 336 bytes of `bytes`.
    ///
    /// - Throws: `.tooShort`, `.unsupportedVersion` or `.invalidFieldLength`; offsets are checked
    ///   against the file by `CacheFile`, which knows its length.
    public init(decoding bytes: some Collection<UInt8>) throws(CacheFileError) {
        try self.init(decoding: Array(bytes.prefix(Self.size)))
    }

    /// Reads a header from the first 336 bytes of `bytes`; the one a cache calls on every HIT.
    public init(decoding bytes: [UInt8]) throws(CacheFileError) {
        guard bytes.count >= Self.size else { throw .tooShort }
        func integer(at offset: Int, byteCount: Int) -> UInt64 {
            var value: UInt64 = 0
            for index in 0..<byteCount { value |= UInt64(bytes[offset + index]) << UInt64(8 * index) }
            return value
        }
        let version = integer(at: 0, byteCount: 8)
        guard version == Self.version else { throw .unsupportedVersion(version) }
        validUntil = Int64(bitPattern: integer(at: 8, byteCount: 8))
        updatingSeconds = Int64(bitPattern: integer(at: 16, byteCount: 8))
        errorSeconds = Int64(bitPattern: integer(at: 24, byteCount: 8))
        lastModified = Int64(bitPattern: integer(at: 32, byteCount: 8))
        date = Int64(bitPattern: integer(at: 40, byteCount: 8))
        keyChecksum = UInt32(integer(at: 48, byteCount: 4))
        validMilliseconds = UInt16(integer(at: 52, byteCount: 2))
        headerStart = UInt16(integer(at: 54, byteCount: 2))
        bodyStart = UInt16(integer(at: 56, byteCount: 2))
        let entityTagLength = Int(bytes[58]), varyLength = Int(bytes[187])
        guard entityTagLength <= Self.maxFieldLength, varyLength <= Self.maxFieldLength else { throw .invalidFieldLength }
        entityTag = Array(bytes[59..<59 + entityTagLength])
        vary = Array(bytes[188..<188 + varyLength])
        variant = Array(bytes[316..<332])
    }

    private static func append(_ value: UInt64, byteCount: Int, to bytes: inout [UInt8]) {
        for index in 0..<byteCount { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(8 * index))) }
    }
}
