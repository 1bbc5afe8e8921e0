extension Int {
    /// The number of bytes that `text` names in nginx size notation, such as `100`, `512k` or `64m`.
    ///
    /// As in nginx ("Configuration file measurement units"), a size is digits with an optional
    /// suffix `k`, `m` or `g` in either case, for KiB, MiB or GiB (1024-based); no suffix means
    /// bytes. Returns `nil` for anything else: an empty value, a sign, a decimal point, spaces,
    /// another suffix or a size beyond `Int.max`.
    public init?(nginxSize text: some StringProtocol) {
        var digits = Substring(text)
        let multiplier =
            switch digits.last {
            case "k", "K": 1 << 10
            case "m", "M": 1 << 20
            case "g", "G": 1 << 30
            default: 1
            }
        if multiplier != 1 { digits.removeLast() }
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(digits) else { return nil }
        let (bytes, overflows) = number.multipliedReportingOverflow(by: multiplier)
        guard !overflows else { return nil }
        self = bytes
    }
}
