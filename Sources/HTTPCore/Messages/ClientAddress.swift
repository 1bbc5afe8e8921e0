/// A peer's address as the server accepted it: an IPv4 or IPv6 address and a port.
///
/// Typed, so that an allow-list compares addresses, not strings: `::ffff:127.0.0.1` (an IPv4
/// client on a dual-stack socket) is the IPv4 address `127.0.0.1`, and `[::1]` in a log is `::1`
/// in a rule. `AddressBlock` is the other half of an allow-list.
public struct ClientAddress: Sendable, Hashable, CustomStringConvertible {
    /// The IP address alone.
    public enum Host: Sendable, Hashable, CustomStringConvertible {
        /// Four bytes, in network order.
        case ipv4(UInt8, UInt8, UInt8, UInt8)
        /// Sixteen bytes, in network order.
        case ipv6([UInt8])

        /// The address's bytes in network order: 4 or 16 of them.
        public var bytes: [UInt8] {
            switch self {
            case let .ipv4(a, b, c, d): [a, b, c, d]
            case .ipv6(let bytes): bytes
            }
        }

        /// The host for `bytes`: 4 bytes are IPv4, 16 are IPv6 unless they are an IPv4-mapped
        /// address (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2), which is the IPv4 address it maps.
        public init?(bytes: [UInt8]) {
            switch bytes.count {
            case 4:
                self = .ipv4(bytes[0], bytes[1], bytes[2], bytes[3])
            case 16 where bytes[..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF:
                self = .ipv4(bytes[12], bytes[13], bytes[14], bytes[15])
            case 16:
                self = .ipv6(bytes)
            default:
                return nil
            }
        }

        /// Reads `127.0.0.1` or `::1` (RFC 4291 §2.2 text forms, `::` and an IPv4 tail included).
        public init?(parsing text: some StringProtocol) {
            if let bytes = Self.parseIPv4(Substring(text)) {
                self.init(bytes: bytes)
            } else if let bytes = Self.parseIPv6(Substring(text)) {
                self.init(bytes: bytes)
            } else {
                return nil
            }
        }

        /// `127.0.0.1`, or an IPv6 address in its shortest form (RFC 5952), such as `::1`.
        public var description: String {
            switch self {
            case let .ipv4(a, b, c, d):
                return "\(a).\(b).\(c).\(d)"
            case .ipv6(let bytes):
                let groups = stride(from: 0, to: 16, by: 2).map { Int(bytes[$0]) << 8 | Int(bytes[$0 + 1]) }
                // RFC 5952 §4.2: the longest run of two or more zero groups becomes "::".
                var best: Range<Int>?
                var index = 0
                while index < 8 {
                    guard groups[index] == 0 else { index += 1; continue }
                    let start = index
                    while index < 8, groups[index] == 0 { index += 1 }
                    if index - start >= 2, index - start > (best?.count ?? 0) { best = start..<index }
                }
                let text = { (range: Range<Int>) in groups[range].map { String($0, radix: 16) }.joined(separator: ":") }
                guard let best else { return text(0..<8) }
                return text(0..<best.lowerBound) + "::" + text(best.upperBound..<8)
            }
        }

        private static func parseIPv4(_ text: Substring) -> [UInt8]? {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var bytes: [UInt8] = []
            for part in parts {
                // Digits only, no leading zeros (which some parsers read as octal).
                guard (1...3).contains(part.count), part.allSatisfy(\.isASCIIDigit),
                      part == "0" || !part.hasPrefix("0"), let value = UInt8(part)
                else { return nil }
                bytes.append(value)
            }
            return bytes
        }

        private static func parseIPv6(_ text: Substring) -> [UInt8]? {
            let halves = text.split(separator: "::", maxSplits: 1, omittingEmptySubsequences: false)
            guard halves.count <= 2, !text.isEmpty else { return nil }
            func groups(_ part: Substring, allowsIPv4Tail: Bool) -> [UInt8]? {
                if part.isEmpty { return [] }
                var bytes: [UInt8] = []
                let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
                for (index, piece) in pieces.enumerated() {
                    if allowsIPv4Tail, index == pieces.count - 1, piece.contains("."), let tail = parseIPv4(piece) {
                        bytes += tail
                        continue
                    }
                    guard (1...4).contains(piece.count), let value = UInt16(piece, radix: 16) else { return nil }
                    bytes += [UInt8(value >> 8), UInt8(value & 0xFF)]
                }
                return bytes
            }
            if halves.count == 1 {
                guard let bytes = groups(halves[0], allowsIPv4Tail: true), bytes.count == 16 else { return nil }
                return bytes
            }
            guard let head = groups(halves[0], allowsIPv4Tail: false), let tail = groups(halves[1], allowsIPv4Tail: true),
                  head.count + tail.count <= 14
            else { return nil }
            return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
        }
    }

    public var host: Host
    public var port: Int

    public init(host: Host, port: Int) {
        self.host = host
        self.port = port
    }

    /// `127.0.0.1:5000` or `[::1]:5000`.
    public var description: String {
        switch host {
        case .ipv4: "\(host):\(port)"
        case .ipv6: "[\(host)]:\(port)"
        }
    }
}

extension Character {
    /// Whether the character is one of the ASCII digits 0 to 9.
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
