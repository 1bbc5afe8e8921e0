import Testing
import HTTPCore

@Suite("Range field values are parsed strictly and applied to a size", .timeLimit(.minutes(1)))
struct ByteRangeTests {
    @Test("Valid range sets parse; anything else is nil so that the field is ignored", arguments: [
        ("bytes=0-99", [.intRange(first: 0, last: 99)]),
        ("bytes=100-", [.intRange(first: 100, last: nil)]),
        ("bytes=-100", [.suffixRange(length: 100)]),
        ("bytes=-0", [.suffixRange(length: 0)]),
        ("BYTES=1-1", [.intRange(first: 1, last: 1)]),
        ("bytes=0-1, 5-6", [.intRange(first: 0, last: 1), .intRange(first: 5, last: 6)]),
        ("bytes=0-1 ,\t-5 ,, ", [.intRange(first: 0, last: 1), .suffixRange(length: 5)]),
        ("bytes=0-99999999999999999999", [.intRange(first: 0, last: .max)]),
        ("bytes=5-2", nil), ("bytes=0-1,5-2", nil), ("items=0-1", nil), ("bytes 0-1", nil),
        ("bytes=", nil), ("bytes=,", nil), ("bytes=-", nil), ("bytes=a-b", nil), ("bytes=1", nil),
        ("bytes=+1-2", nil), ("bytes=1-2-3", nil), ("bytes=0 -1", nil), ("=0-1", nil), ("", nil),
    ] as [(String, [ByteRange]?)])
    func parsing(fieldValue: String, expected: [ByteRange]?) {
        #expect(ByteRange.parseRangeSet(fieldValue) == expected)
    }

    @Test("Ranges select offsets within the size, or none when unsatisfiable", arguments: [
        (ByteRange.intRange(first: 0, last: 99), 1000, 0...99),
        (.intRange(first: 990, last: 2000), 1000, 990...999),
        (.intRange(first: 999, last: nil), 1000, 999...999),
        (.intRange(first: 1000, last: nil), 1000, nil),
        (.intRange(first: 0, last: nil), 0, nil),
        (.suffixRange(length: 100), 1000, 900...999),
        (.suffixRange(length: 5000), 1000, 0...999),
        (.suffixRange(length: 0), 1000, nil),
        (.suffixRange(length: 5), 0, nil),
    ] as [(ByteRange, Int64, ClosedRange<Int64>?)])
    func offsets(range: ByteRange, size: Int64, expected: ClosedRange<Int64>?) {
        #expect(range.offsets(inSize: size) == expected)
    }
}
