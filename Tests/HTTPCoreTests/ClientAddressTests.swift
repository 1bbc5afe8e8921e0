import HTTPCore
import Testing

@Suite("Client addresses and address blocks: typed, so allow-lists compare addresses", .timeLimit(.minutes(1)))
struct ClientAddressTests {
    @Test("Text forms are read and written in their canonical form", arguments: [
        ("127.0.0.1", "127.0.0.1"),
        ("::1", "::1"),
        ("0:0:0:0:0:0:0:1", "::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),  // RFC 5952 §4.2.3: the first of equal runs
        ("2001:DB8::A", "2001:db8::a"),
        ("::", "::"),
        ("fe80::", "fe80::"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
        ("::ffff:10.1.2.3", "10.1.2.3"),  // IPv4-mapped: the IPv4 address itself
        ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
    ])
    func canonicalText(text: String, expected: String) throws {
        #expect(try #require(ClientAddress.Host(parsing: text)).description == expected)
    }

    @Test("Anything else is not an address", arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", ":::", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9",
        "g::1", "localhost", "[::1]", "1.2.3.4 ",
    ])
    func rejected(text: String) {
        #expect(ClientAddress.Host(parsing: text) == nil)
    }

    @Test("A client address prints as host:port, with brackets for IPv6")
    func clientAddressDescription() {
        #expect(ClientAddress(host: .ipv4(127, 0, 0, 1), port: 8080).description == "127.0.0.1:8080")
        #expect(ClientAddress(host: ClientAddress.Host(parsing: "::1")!, port: 8080).description == "[::1]:8080")
    }

    @Test("A block contains exactly the addresses its prefix covers", arguments: [
        ("127.0.0.0/8", "127.255.0.1", true),
        ("127.0.0.0/8", "128.0.0.1", false),
        ("10.1.2.3", "10.1.2.3", true),
        ("10.1.2.3", "10.1.2.4", false),
        ("192.168.0.0/23", "192.168.1.200", true),
        ("192.168.0.0/23", "192.168.2.1", false),
        ("0.0.0.0/0", "8.8.8.8", true),
        ("::1", "::1", true),
        ("::1/128", "::2", false),
        ("fd00::/8", "fdab:1::5", true),
        ("::/0", "127.0.0.1", false),  // an IPv6 block holds no IPv4 address
        ("127.0.0.0/8", "::ffff:127.0.0.1", true),  // an IPv4-mapped client is IPv4
    ])
    func blockContains(block: String, host: String, expected: Bool) throws {
        let block = try #require(AddressBlock(parsing: block))
        #expect(block.contains(try #require(ClientAddress.Host(parsing: host))) == expected)
    }

    @Test("A block's prefix is a number no longer than its address", arguments: ["10.0.0.0/33", "::/129", "1.2.3.4/", "1.2.3.4/x", "/8"])
    func badBlocks(text: String) {
        #expect(AddressBlock(parsing: text) == nil)
    }
}
