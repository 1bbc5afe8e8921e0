#if canImport(Glibc)
import Glibc
#endif

/// MD5 (RFC 1321): the digest nginx names its cache files by.
///
/// Not for security (MD5 has been broken for that since 2004), only for what nginx uses it for:
/// turning a cache key into a fixed-length, well-spread file name. Written out here because the
/// workshop depends on nothing but the toolchain; checked against RFC 1321's test suite and
/// against `md5sum` on random inputs.
public struct MD5: Sendable {
    /// The digest's 16 bytes.
    public let bytes: [UInt8]

    /// The digest of `message`.
    public init(_ message: some Collection<UInt8>) {
        self.init(Array(message))
    }

    /// The digest of `message`; the one a cache calls on every lookup, with no generic dispatch.
    public init(_ message: [UInt8]) {
        var state: (UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476)
        // RFC 1321 §3.1-3.2: append 0x80, zeros to 56 mod 64, then the length in bits, little-endian.
        var padded = message
        let bitLength = UInt64(padded.count) &* 8
        padded.append(0x80)
        while padded.count % 64 != 56 { padded.append(0) }
        for shift in stride(from: 0, to: 64, by: 8) { padded.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        for blockStart in stride(from: 0, to: padded.count, by: 64) {
            Self.process(padded[blockStart..<blockStart + 64], into: &state)
        }
        var digest: [UInt8] = []
        digest.reserveCapacity(16)
        for word in [state.0, state.1, state.2, state.3] {
            for shift in stride(from: 0, to: 32, by: 8) { digest.append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) }
        }
        bytes = digest
    }

    /// The digest of the UTF-8 bytes of `text`.
    public init(_ text: String) {
        self.init(Array(text.utf8))
    }

    /// The digest as 32 lowercase hex digits, as nginx names a cache file.
    public var hex: String {
        String(unsafeUninitializedCapacity: 32) { text in
            for (index, byte) in bytes.enumerated() {
                text[2 * index] = Self.hexDigits[Int(byte >> 4)]
                text[2 * index + 1] = Self.hexDigits[Int(byte & 0x0F)]
            }
            return 32
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    // MARK: - The compression function (RFC 1321 §3.4)

    /// The per-round shift amounts.
    private static let shifts: [UInt32] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
        5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ]

    /// T[i] = floor(2^32 * |sin(i + 1)|), the table of RFC 1321 §3.4.
    private static let sines: [UInt32] = (0..<64).map { index in
        UInt32(truncatingIfNeeded: Int64((abs(sin(Double(index + 1))) * 4_294_967_296).rounded(.down)))
    }

    private static func process(_ block: ArraySlice<UInt8>, into state: inout (UInt32, UInt32, UInt32, UInt32)) {
        // Why a temporary allocation: sixteen words on the stack, where an array would be one
        // heap allocation per 64-byte block (the cache loader hashes a key per file).
        let (a, b, c, d) = withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { words in
            for index in 0..<16 {
                let start = block.startIndex + index * 4
                words[index] = UInt32(block[start]) | UInt32(block[start + 1]) << 8
                    | UInt32(block[start + 2]) << 16 | UInt32(block[start + 3]) << 24
            }
            var (a, b, c, d) = state
            for round in 0..<64 {
                let mixed: UInt32
                let wordIndex: Int
                switch round {
                case 0..<16: (mixed, wordIndex) = ((b & c) | (~b & d), round)
                case 16..<32: (mixed, wordIndex) = ((d & b) | (~d & c), (5 * round + 1) % 16)
                case 32..<48: (mixed, wordIndex) = (b ^ c ^ d, (3 * round + 5) % 16)
                default: (mixed, wordIndex) = (c ^ (b | ~d), (7 * round) % 16)
                }
                let sum = a &+ mixed &+ sines[round] &+ words[wordIndex]
                (a, d, c) = (d, c, b)
                b = b &+ (sum << shifts[round] | sum >> (32 - shifts[round]))
            }
            return (a, b, c, d)
        }
        state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d)
    }
}
