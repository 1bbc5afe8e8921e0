extension Duration {
    /// Milliseconds per nginx time unit; `M` (a month) is 30 days and `y` (a year) 365 days.
    private static let nginxTimeUnits: [Substring: Int64] = [
        "ms": 1, "s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000,
        "w": 604_800_000, "M": 2_592_000_000, "y": 31_536_000_000,
    ]

    /// The duration that `text` names in nginx time notation, such as `90s`, `10m` or `1h30m`.
    ///
    /// As in nginx ("Configuration file measurement units"), a time is one or more parts of
    /// digits and a unit (`ms`, `s`, `m`, `h`, `d`, `w`, `M`, `y`), from the most to the least
    /// significant unit and optionally separated by spaces (`1h 30m`); a part without a unit
    /// means seconds. Returns `nil` for anything else: an empty value, a sign, a decimal point,
    /// an unknown unit, units out of order or a total beyond `Int64.max` milliseconds.
    public init?(nginxTime text: some StringProtocol) {
        var rest = Substring(text)
        guard !rest.isEmpty, rest.first != " ", rest.last != " " else { return nil }
        var milliseconds: Int64 = 0
        var previousUnit = Int64.max
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            rest = rest.dropFirst(digits.count)
            let unitName = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unitName.count).drop { $0 == " " }
            guard let number = Int64(digits),
                  let unit = unitName.isEmpty ? 1_000 : Self.nginxTimeUnits[unitName],
                  unit < previousUnit  // from the most to the least significant, each unit once
            else { return nil }
            let (part, partOverflows) = number.multipliedReportingOverflow(by: unit)
            let (total, totalOverflows) = milliseconds.addingReportingOverflow(part)
            guard !partOverflows, !totalOverflows else { return nil }
            milliseconds = total
            previousUnit = unit
        }
        self = .milliseconds(milliseconds)
    }
}
