/// A short unified-style diff of two line lists: the first differing lines and some context.
enum LineDiff {
    /// The diff of `expected` (what the chapter shows) against `actual`, or `nil` when they are
    /// equal; `firstLine` is the chapter line of `expected[0]`, so the hunk header points at it.
    static func describe(
        expected: [String], actual: [String],
        expectedLabel: String, actualLabel: String,
        firstLine: Int, context: Int = 2, maximumLines: Int = 8
    ) -> String? {
        guard expected != actual else { return nil }
        let prefix = zip(expected, actual).prefix(while: { $0 == $1 }).count
        let suffix = zip(expected[prefix...].reversed(), actual[prefix...].reversed()).prefix(while: { $0 == $1 }).count
        let removed = expected[prefix..<(expected.count - suffix)]
        let added = actual[prefix..<(actual.count - suffix)]

        var out = ["--- \(expectedLabel)", "+++ \(actualLabel)", "@@ chapter line \(firstLine + prefix) @@"]
        out += expected[max(0, prefix - context)..<prefix].map { "  " + $0 }
        out += limited(removed.map { "-" + $0 }, to: maximumLines)
        out += limited(added.map { "+" + $0 }, to: maximumLines)
        let after = expected.count - suffix
        out += expected[after..<min(expected.count, after + context)].map { "  " + $0 }
        return out.joined(separator: "\n")
    }

    private static func limited(_ lines: [String], to count: Int) -> [String] {
        lines.count <= count ? lines : Array(lines.prefix(count)) + ["  … \(lines.count - count) more"]
    }
}
