/// CRC-32 as zlib computes it (the reflected polynomial 0xEDB88320, initial value and final XOR
/// 0xFFFFFFFF): what nginx stores in a cache file's header to check the key it was written for.
public enum CRC32 {
    /// The CRC-32 of `bytes`; `crc32("123456789") == 0xCBF43926`, the standard check value.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        checksum(Array(bytes))
    }

    /// The checksum of `bytes`; the one a cache calls on every HIT, with no generic dispatch.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// The remainder of each byte value, computed once: eight shifts per byte become one lookup.
    private static let table: [UInt32] = (0..<256).map { value in
        var crc = UInt32(value)
        for _ in 0..<8 { crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        return crc
    }
}
