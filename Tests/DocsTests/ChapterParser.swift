/// Finds the checked blocks of a Markdown chapter: marker comments and the fenced blocks they name.
///
/// Fences follow CommonMark (three or more backticks or tildes, indented at most three spaces,
/// closed by a fence of the same character at least as long), so markers shown *inside* a fenced
/// block, as in the contributors' guide, are not taken as markers.
enum ChapterParser {
    /// The checked blocks of `text`, and the marker problems (a misspelt marker, one not followed
    /// by a fenced block, an unclosed fence), each with its 1-based line.
    static func checkedBlocks(in text: String) -> (blocks: [CheckedBlock], problems: [(line: Int, message: String)]) {
        let lines = splitLines(text)
        var blocks: [CheckedBlock] = []
        var problems: [(line: Int, message: String)] = []
        var pending: (kind: CheckedBlock.Kind, line: Int)?

        var index = 0
        while index < lines.count {
            let line = lines[index]
            if let fence = Fence(opening: line) {
                guard let close = lines[(index + 1)...].firstIndex(where: { fence.isClosed(by: $0) }) else {
                    problems.append((index + 1, "fenced block is never closed"))
                    break
                }
                if let marker = pending {
                    let content = lines[(index + 1)..<close].map { fence.removingIndent(from: $0) }
                    blocks.append(CheckedBlock(kind: marker.kind, markerLine: marker.line, firstLine: index + 2, lines: content))
                    pending = nil
                }
                index = close + 1
                continue
            }
            if let marker = pending, !line.allSatisfy(\.isWhitespace) {
                problems.append((marker.line, "a marker must be followed by a fenced block"))
                pending = nil
            }
            switch parseMarker(line) {
            case .none: break
            case .marker(let kind): pending = (kind, index + 1)
            case .invalid(let message): problems.append((index + 1, message))
            }
            index += 1
        }
        if let marker = pending {
            problems.append((marker.line, "a marker must be followed by a fenced block"))
        }
        return (blocks, problems)
    }

    /// Splits `text` at `\n` and `\r\n` line ends.
    static func splitLines(_ text: String) -> [String] {
        // "\r\n" is one Character in Swift, so splitting at "\n" alone would miss it.
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
    }

    // MARK: - Markers

    enum MarkerParse: Equatable {
        case none
        case marker(CheckedBlock.Kind)
        case invalid(String)
    }

    /// Parses `<!-- code: PATH#REGION -->`, `<!-- diff: OLD#REGION NEW#REGION -->`,
    /// `<!-- transcript: SCENARIO [continued] -->` and `<!-- servers: SCENARIO -->`; other comments
    /// are `.none`.
    static func parseMarker(_ line: String) -> MarkerParse {
        let trimmed = line.trimmingWhitespace()
        guard trimmed.hasPrefix("<!--"), trimmed.hasSuffix("-->"), trimmed.count >= 7 else { return .none }
        let inner = trimmed.dropFirst(4).dropLast(3).trimmingWhitespace()
        guard let keyword = ["code", "transcript", "diff", "servers"].first(where: { inner.hasPrefix($0) }) else { return .none }
        let afterKeyword = inner.dropFirst(keyword.count)
        // A word that merely starts with the keyword ("codes…") is an ordinary comment.
        if let next = afterKeyword.first, next != ":", !next.isWhitespace { return .none }
        let rest = afterKeyword.trimmingWhitespace()
        guard rest.hasPrefix(":") else {
            // "<!-- code Sources/A.swift#x -->" looks like a marker missing its colon; prose does not.
            return rest.contains(where: \.isWhitespace) ? .none : .invalid("marker needs a colon: <!-- \(keyword): … -->")
        }
        let value = rest.dropFirst().trimmingWhitespace()
        if keyword == "diff" {
            let sides = value.split(whereSeparator: \.isWhitespace)
            guard sides.count == 2 else { return .invalid("a diff marker names two regions: <!-- diff: OLD#REGION NEW#REGION -->") }
            switch (splitRegion(String(sides[0])), splitRegion(String(sides[1]))) {
            case (.success(let old), .success(let new)):
                return .marker(.diff(oldPath: old.path, oldRegion: old.region, newPath: new.path, newRegion: new.region))
            case (.failure(let message), _), (_, .failure(let message)):
                return .invalid(message.text)
            }
        }
        if keyword == "transcript" {
            let words = value.split(whereSeparator: \.isWhitespace)
            guard (1...2).contains(words.count), words.count == 1 || words[1] == "continued" else {
                return .invalid("a transcript marker names a scenario, and may say it continues: <!-- transcript: SCENARIO [continued] -->")
            }
            return .marker(.transcript(scenario: String(words[0]), continuesPrevious: words.count == 2))
        }
        guard !value.isEmpty, !value.contains(where: \.isWhitespace) else {
            return .invalid("marker needs one value without spaces: <!-- \(keyword): … -->")
        }
        if keyword == "servers" { return .marker(.servers(scenario: value)) }
        switch splitRegion(value) {
        case .success(let named): return .marker(.code(path: named.path, region: named.region))
        case .failure(let message): return .invalid(message.text)
        }
    }

    /// A marker's problem, as an error so it can travel in a `Result`.
    struct MarkerMessage: Error {
        var text: String
    }

    /// `PATH#REGION` split into its path and region (`nil` for `PATH` or `PATH#`).
    private static func splitRegion(_ value: String) -> Result<(path: String, region: String?), MarkerMessage> {
        guard let hash = value.firstIndex(of: "#") else { return .success((value, nil)) }
        let region = String(value[value.index(after: hash)...])
        guard region.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            return .failure(MarkerMessage(text: "region names use letters, digits, - and _: \(region)"))
        }
        return .success((String(value[..<hash]), region.isEmpty ? nil : region))
    }

    // MARK: - Fences

    /// An opening code fence: its character, length and indentation.
    struct Fence {
        let character: Character
        let length: Int
        let indent: Int

        init?(opening line: String) {
            let indent = line.prefix(while: { $0 == " " }).count
            guard indent <= 3 else { return nil }
            let rest = line.dropFirst(indent)
            guard let character = rest.first, character == "`" || character == "~" else { return nil }
            let length = rest.prefix(while: { $0 == character }).count
            guard length >= 3 else { return nil }
            // CommonMark: a backtick fence's info string may not contain a backtick.
            if character == "`", rest.dropFirst(length).contains("`") { return nil }
            (self.character, self.length, self.indent) = (character, length, indent)
        }

        func isClosed(by line: String) -> Bool {
            let indent = line.prefix(while: { $0 == " " }).count
            guard indent <= 3 else { return false }
            let rest = line.dropFirst(indent)
            let run = rest.prefix(while: { $0 == character }).count
            return run >= length && rest.dropFirst(run).allSatisfy(\.isWhitespace)
        }

        /// CommonMark: content lines lose up to the opening fence's indentation.
        func removingIndent(from line: String) -> String {
            String(line.dropFirst(min(indent, line.prefix(while: { $0 == " " }).count)))
        }
    }
}

extension StringProtocol {
    /// The string without leading and trailing whitespace.
    func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }),
              let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }

    /// The string without trailing whitespace.
    func trimmingTrailingWhitespace() -> String {
        guard let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[...last])
    }
}
