/// Extracts what a chapter shows of a source file: a named region, or the whole file.
///
/// Regions are marked mdBook-style on lines of their own, indented like the code around them:
/// `// ANCHOR: name` … `// ANCHOR_END: name` (or `# ANCHOR: name` in shell scripts and nginx
/// configurations). Regions may nest or overlap; every anchor line is left out of what is shown,
/// and so is the indentation all shown lines have in common.
enum CodeRegion {
    /// Why a region could not be extracted; the cases name the fix.
    enum ExtractionError: Error, Equatable, CustomStringConvertible {
        case missingAnchor(String)
        case missingEnd(String)
        case duplicateAnchor(String, line: Int)
        case endWithoutAnchor(String, line: Int)

        var description: String {
            switch self {
            case .missingAnchor(let name): "no `ANCHOR: \(name)` line"
            case .missingEnd(let name): "`ANCHOR: \(name)` has no `ANCHOR_END: \(name)`"
            case .duplicateAnchor(let name, let line): "a second `ANCHOR: \(name)` at line \(line)"
            case .endWithoutAnchor(let name, let line): "`ANCHOR_END: \(name)` at line \(line) closes nothing"
            }
        }
    }

    /// The lines of region `name` of `source` (`nil`: the whole file) as a chapter shows them:
    /// anchor lines removed, common indentation stripped, blank lines at either end dropped.
    static func extract(_ name: String?, from source: String) throws -> [String] {
        var shown: [String] = []
        var isInside = false
        var hasStarted = false
        for (offset, line) in ChapterParser.splitLines(source).enumerated() {
            guard let anchor = Anchor(line) else {
                if name == nil || isInside { shown.append(line) }
                continue
            }
            guard anchor.name == name else { continue }
            if anchor.isEnd {
                guard isInside else { throw ExtractionError.endWithoutAnchor(anchor.name, line: offset + 1) }
                isInside = false
            } else {
                guard !hasStarted else { throw ExtractionError.duplicateAnchor(anchor.name, line: offset + 1) }
                (isInside, hasStarted) = (true, true)
            }
        }
        if let name {
            guard hasStarted else { throw ExtractionError.missingAnchor(name) }
            guard !isInside else { throw ExtractionError.missingEnd(name) }
        }
        return dedent(trimmingBlankEnds(shown))
    }

    /// The names of the regions `source` marks, in order.
    static func names(in source: String) -> [String] {
        ChapterParser.splitLines(source).compactMap { line in Anchor(line).flatMap { $0.isEnd ? nil : $0.name } }
    }

    /// `lines` without the leading whitespace they all share; whitespace-only lines become empty.
    static func dedent(_ lines: [String]) -> [String] {
        let indents = lines.filter { !$0.allSatisfy(\.isWhitespace) }.map { $0.prefix(while: \.isWhitespace) }
        guard let first = indents.first else { return lines.map { _ in "" } }
        let common = indents.dropFirst().reduce(first) { shared, indent in
            shared.prefix(zip(shared, indent).prefix(while: { $0 == $1 }).count)
        }
        return lines.map { $0.allSatisfy(\.isWhitespace) ? "" : String($0.dropFirst(common.count)) }
    }

    /// `lines` without whitespace-only lines at the start and the end.
    static func trimmingBlankEnds(_ lines: [String]) -> [String] {
        let isBlank: (String) -> Bool = { $0.allSatisfy(\.isWhitespace) }
        guard let first = lines.firstIndex(where: { !isBlank($0) }),
              let last = lines.lastIndex(where: { !isBlank($0) }) else { return [] }
        return Array(lines[first...last])
    }

    /// An `ANCHOR:` or `ANCHOR_END:` line.
    private struct Anchor {
        let name: String
        let isEnd: Bool

        init?(_ line: String) {
            var text = Substring(line.trimmingWhitespace())
            if text.hasPrefix("//") {
                text = text.dropFirst(2)
            } else if text.hasPrefix("#") {
                text = text.dropFirst()
            } else {
                return nil
            }
            text = Substring(text.trimmingWhitespace())
            if text.hasPrefix("ANCHOR_END:") {
                isEnd = true
                text = text.dropFirst("ANCHOR_END:".count)
            } else if text.hasPrefix("ANCHOR:") {
                isEnd = false
                text = text.dropFirst("ANCHOR:".count)
            } else {
                return nil
            }
            name = text.trimmingWhitespace()
            guard !name.isEmpty, !name.contains(where: \.isWhitespace) else { return nil }
        }
    }
}
