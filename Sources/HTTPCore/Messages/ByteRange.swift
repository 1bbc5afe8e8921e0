/// One range of a `Range: bytes=…` field (RFC 9110 §14.1.2), before it meets a file's size.
///
/// Parsing is pure and strict: a field with any invalid range is invalid as a whole, and
/// RFC 9110 §14.2 lets a server ignore it and send the whole representation.
public enum ByteRange: Equatable, Sendable {
    /// `first-last` or, without `last`, `first-`: from `first` to `last` or to the end.
    case intRange(first: Int64, last: Int64?)
    /// `-length`: the last `length` bytes, not the first.
    case suffixRange(length: Int64)

    /// The ranges of a `Range` field value, or `nil` when it is not a valid `bytes` range set.
    ///
    /// RFC 9110 §14.2: an unknown range unit or an invalid range set is ignored, so `nil` means
    /// "send the whole file".
    public static func parseRangeSet(_ fieldValue: some StringProtocol) -> [ByteRange]? {
        guard let equals = fieldValue.firstIndex(of: "=") else { return nil }
        // RFC 9110 §14.1: range units are compared case-insensitively.
        guard fieldValue[..<equals].equalsIgnoringASCIICase("bytes") else { return nil }
        var ranges: [ByteRange] = []
        for element in fieldValue[fieldValue.index(after: equals)...].split(separator: ",") {
            let spec = element.trimmingOWS()
            // RFC 9110 §5.6.1: a recipient ignores empty list elements.
            if spec.isEmpty { continue }
            guard let range = ByteRange(spec: spec) else { return nil }
            ranges.append(range)
        }
        return ranges.isEmpty ? nil : ranges
    }

    /// Reads one range-spec, `first-last`, `first-` or `-length`; `nil` when it is not one.
    public init?(spec: some StringProtocol) {
        guard let dash = spec.firstIndex(of: "-") else { return nil }
        let before = spec[..<dash], after = spec[spec.index(after: dash)...]
        switch (Self.position(before), Self.position(after)) {
        case (nil, let length?) where before.isEmpty:
            self = .suffixRange(length: length)
        case (let first?, nil) where after.isEmpty:
            self = .intRange(first: first, last: nil)
        // RFC 9110 §14.1.1: a range whose last position is before its first is invalid.
        case (let first?, let last?) where first <= last:
            self = .intRange(first: first, last: last)
        default:
            return nil
        }
    }

    // ANCHOR: offsets
    /// The offsets this range selects in a file of `size` bytes, or `nil` when it selects none.
    public func offsets(inSize size: Int64) -> ClosedRange<Int64>? {
        switch self {
        case .intRange(let first, let last):
            // RFC 9110 §14.1.1: satisfiable only when it starts before the end.
            guard first < size else { return nil }
            // RFC 9110 §14.1.2: a last position at or past the end means "to the end".
            return first...min(last ?? size - 1, size - 1)
        case .suffixRange(let length):
            // RFC 9110 §14.1.1: a zero suffix-length is unsatisfiable. The RFC calls a suffix of
            // an empty file satisfiable, yet no Content-Range can name zero bytes; like nginx,
            // an empty file satisfies no range.
            guard length > 0, size > 0 else { return nil }
            // RFC 9110 §14.1.2: the last `length` bytes, or all of them when the file is shorter.
            return max(0, size - length)...(size - 1)
        }
    }
    // ANCHOR_END: offsets

    /// The value of a run of decimal digits, saturating at `Int64.max`; `nil` unless all digits.
    ///
    /// Saturating keeps the meaning: a position past `Int64.max` is past the end of any file.
    private static func position(_ digits: some StringProtocol) -> Int64? {
        guard !digits.isEmpty else { return nil }
        var value: Int64 = 0
        for byte in digits.utf8 {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            let (shifted, overflowed) = value.multipliedReportingOverflow(by: 10)
            let (sum, carried) = shifted.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            value = overflowed || carried ? .max : sum
        }
        return value
    }
}
