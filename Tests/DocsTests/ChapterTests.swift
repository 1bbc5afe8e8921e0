import Foundation
import TestSupport
import Testing

/// The real check: every `docs/*.md` against the sources and against what its commands print.
@Suite("The chapters show the real code and the real output", .timeLimit(.minutes(5)))
struct ChapterTests {
    let check = DocsCheck(packageRoot: DocsCheck.thisPackageRoot)

    @Test("Code shown in a chapter is the code in the source")
    func codeBlocksMatchTheSource() {
        for chapter in check.chapters() {
            check.codeFindings(in: chapter).forEach(record)
        }
    }

    @Test("Every marked source region is shown by a chapter")
    func everyRegionIsShown() throws {
        let shown = check.shownRegions()
        for file in try Self.filesWithRegions(under: check.packageRoot) {
            let source = try String(contentsOfFile: check.packageRoot + "/" + file, encoding: .utf8)
            for region in CodeRegion.names(in: source) where !shown.contains(file + "#" + region) {
                // A region a later step copied unchanged is shown where the original is.
                let text = check.regionText(path: file, region: region)
                let original = shown.first { name in
                    name.hasSuffix("/" + (file as NSString).lastPathComponent + "#" + region)
                        && check.regionText(path: String(name.prefix { $0 != "#" }), region: region) == text
                }
                if original == nil {
                    Issue.record("\(file)#\(region) is marked as a region, but no chapter shows it (show it, or remove its ANCHOR lines)")
                }
            }
        }
    }

    /// The source and script files, relative to the package root.
    private static func filesWithRegions(under root: String) throws -> [String] {
        var files: [String] = []
        for directory in ["Sources", "scripts"] {
            guard let walker = FileManager.default.enumerator(atPath: root + "/" + directory) else { continue }
            for case let path as String in walker where !path.contains("SampleImages") {
                var isDirectory: ObjCBool = false
                let full = root + "/" + directory + "/" + path
                if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                    files.append(directory + "/" + path)
                }
            }
        }
        return files.sorted()
    }

    /// The chapters, found when the tests are listed: each chapter's transcripts run as a test
    /// of their own, in parallel with the other chapters'.
    static let chapters = DocsCheck(packageRoot: DocsCheck.thisPackageRoot).chapters()

    @Test("Output shown in a chapter is what its commands print", arguments: chapters)
    func transcriptsMatchTheOutput(chapter: String) async throws {
        // CI installs curl; without it every transcript would fail less clearly, or not run at all.
        guard ShellCommand.run("command -v curl", in: "/", timeout: .seconds(10)).output.contains("curl") else {
            Issue.record("curl is not installed: transcripts in docs/ run curl (apt-get install curl)")
            return
        }
        guard let products = ServerProcess.findProductDirectory() else {
            Issue.record("no built Step1Origin next to the test binary: run `swift build` first")
            return
        }
        let runner = TranscriptRunner(workingDirectory: check.packageRoot, productDirectory: products)
        // A chapter's transcripts take seconds of waiting on servers and commands: off the test pool.
        // Chapters whose servers listen on their shown ports (an origin at 127.0.0.1:8000 whose
        // address is in the cache keys) take turns; the others run beside them.
        let check = check
        let needsShownPorts = Self.usesShownPorts(chapter: check.packageRoot + "/" + chapter)
        try await onOwnThread {
            if needsShownPorts { Self.shownPorts.lock() }
            defer { if needsShownPorts { Self.shownPorts.unlock() } }
            return check.transcriptFindings(in: chapter, runner: runner)
        }.forEach(record)
    }

    /// Held by the chapter whose transcripts are using the shown ports.
    private static let shownPorts = NSLock()

    /// Whether a scenario of `chapter`'s transcripts has a server listening on its shown port.
    private static func usesShownPorts(chapter: String) -> Bool {
        let text = (try? String(contentsOfFile: chapter, encoding: .utf8)) ?? ""
        return Scenario.all.contains { name, scenario in
            scenario.servers.contains(where: \.listensOnShownPort) && text.contains("<!-- transcript: \(name) ")
        }
    }

    /// Records `finding` as an issue located in the chapter, so editors jump to the Markdown line.
    private func record(_ finding: DocsFinding) {
        Issue.record(Comment(rawValue: finding.description),
                     sourceLocation: SourceLocation(fileID: finding.chapter, filePath: check.packageRoot + "/" + finding.chapter,
                                                    line: finding.line, column: 1))
    }
}
