/// The changes from one list of lines to another as unified-diff hunks, for the `diff` blocks of
/// chapters: `-` for a line removed, `+` for a line added, ` ` for context, and `@@` to start
/// each hunk.
enum UnifiedDiff {
    /// The hunks turning `old` into `new`, with `context` unchanged lines around each change;
    /// empty when they are equal. Lines are matched by a longest common subsequence, so a
    /// moved or changed line shows as removed and added.
    static func hunks(from old: [String], to new: [String], context: Int = 2) -> [String] {
        let edits = script(from: old, to: new)
        guard edits.contains(where: { $0.0 != " " }) else { return [] }
        // Which edit positions to print: every change and `context` lines either side.
        var shown = [Bool](repeating: false, count: edits.count)
        for (index, edit) in edits.enumerated() where edit.0 != " " {
            for nearby in max(0, index - context)...min(edits.count - 1, index + context) { shown[nearby] = true }
        }
        var lines: [String] = []
        var index = 0
        while index < edits.count {
            guard shown[index] else { index += 1; continue }
            lines.append("@@")
            while index < edits.count, shown[index] {
                lines.append(String(edits[index].0) + edits[index].1)
                index += 1
            }
        }
        return lines
    }

    /// The edit script: each line of `old` and `new` once, marked ` `, `-` or `+`.
    private static func script(from old: [String], to new: [String]) -> [(Character, String)] {
        // lengths[i][j]: the longest common subsequence of old[i...] and new[j...].
        var lengths = [[Int]](repeating: [Int](repeating: 0, count: new.count + 1), count: old.count + 1)
        for i in stride(from: old.count - 1, through: 0, by: -1) {
            for j in stride(from: new.count - 1, through: 0, by: -1) {
                lengths[i][j] = old[i] == new[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var edits: [(Character, String)] = []
        var i = 0, j = 0
        while i < old.count || j < new.count {
            if i < old.count, j < new.count, old[i] == new[j] {
                edits.append((" ", old[i]))
                i += 1
                j += 1
            } else if j < new.count, i == old.count || lengths[i][j + 1] >= lengths[i + 1][j] {
                edits.append(("+", new[j]))
                j += 1
            } else {
                edits.append(("-", old[i]))
                i += 1
            }
        }
        // Within a run of changes, show the removed lines before the added ones, as diff does.
        var ordered: [(Character, String)] = []
        var run: [(Character, String)] = []
        for edit in edits + [(" ", "")] {
            if edit.0 == " " {
                ordered += run.filter { $0.0 == "-" } + run.filter { $0.0 == "+" }
                run = []
                ordered.append(edit)
            } else {
                run.append(edit)
            }
        }
        return Array(ordered.dropLast())
    }
}
