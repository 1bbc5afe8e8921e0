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

    @Test("Output shown in a chapter is what its commands print")
    func transcriptsMatchTheOutput() throws {
        // CI installs curl; without it every transcript would fail less clearly, or not run at all.
        guard ShellCommand.run("command -v curl", in: "/", timeout: .seconds(10)).output.contains("curl") else {
            Issue.record("curl is not installed: transcripts in docs/ run curl (apt-get install curl)")
            return
        }
        guard check.hasTranscripts() else { return }
        guard let products = ServerProcess.findProductDirectory() else {
            Issue.record("no built Step1Origin next to the test binary: run `swift build` first")
            return
        }
        let runner = TranscriptRunner(workingDirectory: check.packageRoot, productDirectory: products)
        for chapter in check.chapters() {
            check.transcriptFindings(in: chapter, runner: runner).forEach(record)
        }
    }

    /// Records `finding` as an issue located in the chapter, so editors jump to the Markdown line.
    private func record(_ finding: DocsFinding) {
        Issue.record(Comment(rawValue: finding.description),
                     sourceLocation: SourceLocation(fileID: finding.chapter, filePath: check.packageRoot + "/" + finding.chapter,
                                                    line: finding.line, column: 1))
    }
}
