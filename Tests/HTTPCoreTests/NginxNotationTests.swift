import HTTPCore
import Testing

@Suite("nginx notation for times and sizes", .timeLimit(.minutes(1)))
struct NginxNotationTests {
    @Test("A valid time reads as its duration", arguments: [
        ("0", Duration.zero),
        ("90", .seconds(90)),                      // no unit: seconds
        ("500ms", .milliseconds(500)),
        ("90s", .seconds(90)),
        ("10m", .seconds(600)),
        ("60m", .seconds(3_600)),
        ("1h", .seconds(3_600)),
        ("2d", .seconds(172_800)),
        ("1w", .seconds(604_800)),
        ("1M", .seconds(2_592_000)),              // a month is 30 days
        ("1y", .seconds(31_536_000)),             // a year is 365 days
        ("1h30m", .seconds(5_400)),
        ("1h 30m", .seconds(5_400)),
        ("1d  12h", .seconds(129_600)),
        ("1h30", .seconds(3_630)),                 // a last part without a unit: seconds
        ("1m30s500ms", .milliseconds(90_500)),
        ("1y2M3w4d5h6m7s8ms", .milliseconds(38_898_367_008)),  // every unit once, in order
        ("0010s", .seconds(10)),
        ("9223372036854775s 807ms", .milliseconds(Int64.max)),
    ] as [(String, Duration)])
    func validTime(_ text: String, _ expected: Duration) {
        #expect(Duration(nginxTime: text) == expected)
    }

    @Test("An invalid time is rejected", arguments: [
        "", " ", "s", "ms", "h30m",
        "-1s", "+1s", "1.5h", "1,5h",              // signs and decimals
        "10x", "1S", "1H", "1mss", "1 h", "1hm",   // unknown or split units
        "30m1h", "1h1h", "1s5", "1 30m", "1ms1s",  // units not from the most to the least significant
        " 10s", "10s ", "1h\t30m",                 // surrounding or other whitespace
        "\u{FF11}s",                               // a non-ASCII digit
        "9223372036854775808ms",                   // overflow: the number, the product, the sum
        "9223372036854775808",
        "106751991167301d",
        "9223372036854775s 808ms",
    ])
    func invalidTime(_ text: String) {
        #expect(Duration(nginxTime: text) == nil)
    }

    @Test("A valid size reads as its number of bytes", arguments: [
        ("0", 0), ("100", 100),
        ("512k", 524_288), ("512K", 524_288),
        ("64m", 67_108_864), ("64M", 67_108_864),
        ("1g", 1_073_741_824), ("1G", 1_073_741_824),
        ("0k", 0), ("0064m", 67_108_864),
        ("9223372036854775807", Int.max), ("8589934591g", 8_589_934_591 << 30),
    ] as [(String, Int)])
    func validSize(_ text: String, _ expected: Int) {
        #expect(Int(nginxSize: text) == expected)
    }

    @Test("An invalid size is rejected", arguments: [
        "", "k", "m", "-1", "+1", "-1k", "1.5m", "1,5m", "0x10",
        "1kb", "1t", "1kk", "1b", "1 k", " 1k", "1k ", "\u{FF11}k",
        "9223372036854775808", "8589934592g", "9007199254740992k",
    ])
    func invalidSize(_ text: String) {
        #expect(Int(nginxSize: text) == nil)
    }
}
