/// A block of addresses in CIDR notation (RFC 4632): `127.0.0.0/8`, `::1/128`, or one address
/// alone; what an allow-list is made of.
public struct AddressBlock: Sendable, Hashable, CustomStringConvertible {
    public let network: ClientAddress.Host
    public let prefixLength: Int

    /// Reads `ADDRESS` or `ADDRESS/PREFIX`; `nil` for anything else, or a prefix longer than the address.
    public init?(parsing text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let network = ClientAddress.Host(parsing: parts[0]) else { return nil }
        let bits = network.bytes.count * 8
        if parts.count == 2 {
            guard parts[1].allSatisfy(\.isASCIIDigit), let length = Int(parts[1]), length <= bits else { return nil }
            prefixLength = length
        } else {
            prefixLength = bits
        }
        self.network = network
    }

    /// Whether `host` is inside this block; an IPv4 block never contains an IPv6 host, nor the reverse.
    public func contains(_ host: ClientAddress.Host) -> Bool {
        let mine = network.bytes, theirs = host.bytes
        guard mine.count == theirs.count else { return false }
        var remaining = prefixLength
        for (a, b) in zip(mine, theirs) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            guard a & mask == b & mask else { return false }
            remaining -= 8
        }
        return true
    }

    public var description: String { "\(network)/\(prefixLength)" }
}
