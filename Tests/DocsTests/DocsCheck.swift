import Foundation

/// Checks the chapters under `docs/` of a package: code blocks against the source regions they
/// name, transcript blocks against what their commands print.
struct DocsCheck {
    /// The package root; chapter paths and code paths are relative to it.
    var packageRoot: String

    /// The root of this package, found from this file's path (Tests/DocsTests/DocsCheck.swift).
    static let thisPackageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// Every `docs/*.md` and `docs/solutions/*.md` (the exercises' worked solutions), relative
    /// to the package root, in name order.
    func chapters() -> [String] {
        ["docs", "docs/solutions"].flatMap { folder in
            let names = (try? FileManager.default.contentsOfDirectory(atPath: packageRoot + "/" + folder)) ?? []
            return names.filter { $0.hasSuffix(".md") }.sorted().map { folder + "/" + $0 }
        }
    }

    /// The checked blocks of `chapter`, and its marker problems as findings.
    func blocks(of chapter: String) -> (blocks: [CheckedBlock], findings: [DocsFinding]) {
        guard let text = try? String(contentsOfFile: packageRoot + "/" + chapter, encoding: .utf8) else {
            return ([], [DocsFinding(chapter: chapter, line: 1, message: "cannot read the chapter")])
        }
        let (blocks, problems) = ChapterParser.checkedBlocks(in: text)
        return (blocks, problems.map { DocsFinding(chapter: chapter, line: $0.line, message: $0.message) })
    }

    /// Marker problems, and code and diff blocks that differ from their source regions.
    func codeFindings(in chapter: String) -> [DocsFinding] {
        let (blocks, markerFindings) = blocks(of: chapter)
        return markerFindings + blocks.flatMap { block -> [DocsFinding] in
            switch block.kind {
            case .code(let path, let region):
                return check(block, path: path, region: region, chapter: chapter).map { [$0] } ?? []
            case .diff(let oldPath, let oldRegion, let newPath, let newRegion):
                return checkDiff(block, old: (oldPath, oldRegion), new: (newPath, newRegion), chapter: chapter).map { [$0] } ?? []
            case .transcript, .servers:
                return []
            }
        }
    }

    /// The regions every chapter shows, as `PATH#REGION` (`PATH#` for a whole file), in a code
    /// block or on either side of a diff block.
    func shownRegions() -> Set<String> {
        var shown: Set<String> = []
        for chapter in chapters() {
            for block in blocks(of: chapter).blocks {
                switch block.kind {
                case .code(let path, let region):
                    shown.insert(path + "#" + (region ?? ""))
                case .diff(let oldPath, let oldRegion, let newPath, let newRegion):
                    shown.insert(oldPath + "#" + (oldRegion ?? ""))
                    shown.insert(newPath + "#" + (newRegion ?? ""))
                case .transcript, .servers:
                    break
                }
            }
        }
        return shown
    }

    /// The text of `region` in the file at `path`, as a chapter shows it; `nil` when it cannot be read.
    func regionText(path: String, region: String?) -> [String]? {
        guard let source = try? String(contentsOfFile: packageRoot + "/" + path, encoding: .utf8) else { return nil }
        return (try? CodeRegion.extract(region, from: source))?.map { $0.trimmingTrailingWhitespace() }
    }

    /// Transcript blocks whose commands print something other than the chapter shows, and servers
    /// blocks that show other commands than their scenario runs.
    func transcriptFindings(in chapter: String, runner: TranscriptRunner) -> [DocsFinding] {
        var session: TranscriptRunner.Session?
        defer { session?.stop() }
        var findings: [DocsFinding] = []
        // The scenario whose servers block came last, not yet used by a transcript block.
        var started: String?
        for block in blocks(of: chapter).blocks {
            switch block.kind {
            case .servers(let scenario):
                findings += runner.checkServers(block, scenario: scenario, chapter: chapter)
                started = scenario
            case .transcript(let scenario, let continuesPrevious):
                // Fresh servers are ones the reader was told to start, in a servers block just before.
                if !continuesPrevious, runner.scenarios[scenario]?.servers.isEmpty == false, started != scenario {
                    findings.append(DocsFinding(chapter: chapter, line: block.markerLine,
                                                message: "a transcript on fresh servers of `\(scenario)` needs a `<!-- servers: \(scenario) -->` block before it that starts them (or `continued`)"))
                }
                started = nil
                if continuesPrevious, let current = session, current.scenario == scenario {
                    findings += runner.run(block, in: current, chapter: chapter)
                    continue
                }
                session?.stop()
                session = nil
                if continuesPrevious {
                    findings.append(DocsFinding(chapter: chapter, line: block.markerLine,
                                                message: "`continued` needs a transcript block of scenario `\(scenario)` just before"))
                    continue
                }
                switch runner.startSession(scenario: scenario, block: block, chapter: chapter) {
                case .success(let started):
                    session = started
                    findings += runner.run(block, in: started, chapter: chapter)
                case .failure(let finding):
                    findings.append(finding)
                }
            case .code, .diff:
                continue
            }
        }
        return findings
    }

    private func check(_ block: CheckedBlock, path: String, region: String?, chapter: String) -> DocsFinding? {
        let name = path + "#" + (region ?? "")
        switch lines(ofRegion: region, in: path, for: block, chapter: chapter) {
        case .failure(let finding):
            return finding
        case .success(let expected):
            return compare(block, with: expected, label: "\(name) (source)", chapter: chapter,
                           problem: "the block differs from \(name)")
        }
    }

    private func checkDiff(_ block: CheckedBlock, old: (path: String, region: String?), new: (path: String, region: String?),
                           chapter: String) -> DocsFinding? {
        var sides: [[String]] = []
        for side in [old, new] {
            switch lines(ofRegion: side.region, in: side.path, for: block, chapter: chapter) {
            case .failure(let finding): return finding
            case .success(let lines): sides.append(lines)
            }
        }
        let expected = CodeRegion.trimmingBlankEnds(UnifiedDiff.hunks(from: sides[0], to: sides[1]).map { $0.trimmingTrailingWhitespace() })
        return compare(block, with: expected, label: "the diff of the two regions", chapter: chapter,
                       problem: "the diff block differs")
    }

    /// The lines of `region` of the file at `path` as a block shows them, or the finding that
    /// says why they cannot be had.
    private func lines(ofRegion region: String?, in path: String, for block: CheckedBlock,
                       chapter: String) -> Result<[String], DocsFinding> {
        guard let source = try? String(contentsOfFile: packageRoot + "/" + path, encoding: .utf8) else {
            return .failure(DocsFinding(chapter: chapter, line: block.markerLine,
                                        message: "\(path) does not exist (paths are relative to the package root)"))
        }
        do {
            return .success(try CodeRegion.extract(region, from: source).map { $0.trimmingTrailingWhitespace() })
        } catch {
            return .failure(DocsFinding(chapter: chapter, line: block.markerLine, message: "\(path)#\(region ?? ""): \(error)"))
        }
    }

    /// A finding when `block` does not show exactly `expected`.
    private func compare(_ block: CheckedBlock, with expected: [String], label: String, chapter: String,
                         problem: String) -> DocsFinding? {
        let leadingBlanks = block.lines.prefix(while: { $0.allSatisfy(\.isWhitespace) }).count
        let shown = CodeRegion.trimmingBlankEnds(block.lines).map { $0.trimmingTrailingWhitespace() }
        let diff = LineDiff.describe(
            expected: shown, actual: expected,
            expectedLabel: "\(chapter):\(block.firstLine) (chapter)", actualLabel: label,
            firstLine: block.firstLine + leadingBlanks)
        return diff.map { DocsFinding(chapter: chapter, line: block.firstLine, message: "\(problem):\n\($0)") }
    }
}
