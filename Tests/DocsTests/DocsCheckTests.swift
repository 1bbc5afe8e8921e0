import Foundation
import Testing
import TestSupport

@Suite("The docs check finds code regions and drifted code blocks", .timeLimit(.minutes(1)))
struct DocsCheckTests {
    static let source = """
        struct Server {
            // ANCHOR: run
            func run() {
                // ANCHOR: loop
                while true {
                    accept()
                }
                // ANCHOR_END: loop
            }
            // ANCHOR_END: run
        }

        """

    @Test("A region loses its anchor lines, nested ones too, and its common indentation")
    func regionWithNestedAnchor() throws {
        #expect(try CodeRegion.extract("run", from: Self.source) == [
            "func run() {",
            "    while true {",
            "        accept()",
            "    }",
            "}",
        ])
        #expect(try CodeRegion.extract("loop", from: Self.source) == ["while true {", "    accept()", "}"])
    }

    @Test("No region name means the whole file without anchor lines")
    func wholeFile() throws {
        let lines = try CodeRegion.extract(nil, from: Self.source)
        #expect(lines.count == 7)
        #expect(!lines.contains { $0.contains("ANCHOR") })
        #expect(lines.first == "struct Server {")
    }

    @Test("Shell and nginx files mark regions with # comments")
    func hashComments() throws {
        let config = "http {\n    # ANCHOR: cache\n    proxy_cache_min_uses 2;\n    # ANCHOR_END: cache\n}\n"
        #expect(try CodeRegion.extract("cache", from: config) == ["proxy_cache_min_uses 2;"])
    }

    @Test("Blank lines inside a region keep their place; whitespace-only lines become empty")
    func blankLines() throws {
        let source = "    // ANCHOR: a\n\n        let x = 1\n      \n        let y = 2\n    // ANCHOR_END: a\n"
        #expect(try CodeRegion.extract("a", from: source) == ["let x = 1", "", "let y = 2"])
    }

    @Test("A missing, unterminated or duplicated anchor is an error",
          arguments: [
              ("let x = 1\n", CodeRegion.ExtractionError.missingAnchor("a")),
              ("// ANCHOR: a\nlet x = 1\n", .missingEnd("a")),
              ("// ANCHOR: a\n// ANCHOR_END: a\n// ANCHOR: a\n// ANCHOR_END: a\n", .duplicateAnchor("a", line: 3)),
              ("// ANCHOR_END: a\n", .endWithoutAnchor("a", line: 1)),
          ])
    func anchorErrors(source: String, error: CodeRegion.ExtractionError) {
        #expect(throws: error) { try CodeRegion.extract("a", from: source) }
    }

    @Test("Markers name the block that follows; markers inside a fenced example are not markers")
    func markers() {
        let chapter = """
            # Title
            <!-- code: Sources/A.swift#run -->
            ```swift
            func run() {}
            ```

            <!-- transcript: step1 -->

            ```console
            $ echo hi
            hi
            ```

            ````markdown
            <!-- code: Sources/B.swift#x -->
            ```swift
            ```
            ````
            <!-- code: Sources/C.swift# -->
            ```
            x
            ```
            """
        let (blocks, problems) = ChapterParser.checkedBlocks(in: chapter)
        #expect(problems.isEmpty)
        #expect(blocks == [
            CheckedBlock(kind: .code(path: "Sources/A.swift", region: "run"), markerLine: 2, firstLine: 4, lines: ["func run() {}"]),
            CheckedBlock(kind: .transcript(scenario: "step1"), markerLine: 7, firstLine: 10, lines: ["$ echo hi", "hi"]),
            CheckedBlock(kind: .code(path: "Sources/C.swift", region: nil), markerLine: 19, firstLine: 21, lines: ["x"]),
        ])
    }

    @Test("A marker without a block, a marker without a colon and an unclosed fence are reported")
    func markerProblems() {
        let chapter = "<!-- code: A.swift#a -->\ntext\n<!-- code A.swift#a -->\n<!-- code review later -->\n```swift\n"
        let (blocks, problems) = ChapterParser.checkedBlocks(in: chapter)
        #expect(blocks.isEmpty)
        #expect(problems.map(\.line) == [1, 3, 5])
    }

    @Test("A chapter in sync with the source passes; a drifted block is reported with a diff")
    func driftIsDetected() throws {
        let package = try TemporaryDirectory()
        try package.write("Sources/A/Server.swift", Array(Self.source.utf8))
        try package.write("docs/01-good.md", Array("""
            <!-- code: Sources/A/Server.swift#loop -->
            ```swift
            while true {
                accept()
            }
            ```

            """.utf8))
        try package.write("docs/02-drifted.md", Array("""
            Intro.

            <!-- code: Sources/A/Server.swift#loop -->
            ```swift
            while true {
                acceptConnection()
            }
            ```
            <!-- code: Sources/A/Missing.swift#loop -->
            ```swift
            ```
            <!-- code: Sources/A/Server.swift#nope -->
            ```swift
            ```

            """.utf8))
        let check = DocsCheck(packageRoot: package.path)
        #expect(check.chapters() == ["docs/01-good.md", "docs/02-drifted.md"])
        #expect(check.codeFindings(in: "docs/01-good.md").isEmpty)

        let findings = check.codeFindings(in: "docs/02-drifted.md")
        try #require(findings.count == 3)
        #expect(findings[0].line == 5)
        #expect(findings[0].message.contains("@@ chapter line 6 @@"))
        #expect(findings[0].message.contains("-    acceptConnection()"))
        #expect(findings[0].message.contains("+    accept()"))
        #expect(findings[1].line == 9 && findings[1].message.contains("does not exist"))
        #expect(findings[2].line == 12 && findings[2].message.contains("no `ANCHOR: nope` line"))
    }

    @Test("The diff shows the first differing lines with context and elides long runs")
    func diff() throws {
        let diff = try #require(LineDiff.describe(
            expected: ["a", "b", "c", "d"], actual: ["a", "b", "x", "d"],
            expectedLabel: "chapter", actualLabel: "source", firstLine: 10))
        #expect(diff == "--- chapter\n+++ source\n@@ chapter line 12 @@\n  a\n  b\n-c\n+x\n  d")
        #expect(LineDiff.describe(expected: ["a"], actual: ["a"], expectedLabel: "", actualLabel: "", firstLine: 1) == nil)
        let long = try #require(LineDiff.describe(expected: [], actual: (1...20).map(String.init),
                                                  expectedLabel: "", actualLabel: "", firstLine: 1))
        #expect(long.hasSuffix("+8\n  … 12 more"))
    }
}

@Suite("Diff blocks: the change between two regions, checked like code", .timeLimit(.minutes(1)))
struct DiffBlockTests {
    @Test("Hunks show each change with two lines of context; removed lines come before added ones")
    func hunks() {
        let old = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        let new = ["a", "b", "c", "D", "e", "f", "g", "h", "i", "j"]
        #expect(UnifiedDiff.hunks(from: old, to: new) == ["@@", " b", " c", "-d", "+D", " e", " f", "@@", " h", " i", "+j"])
        #expect(UnifiedDiff.hunks(from: old, to: old).isEmpty)
        #expect(UnifiedDiff.hunks(from: [], to: ["x"]) == ["@@", "+x"])
    }

    @Test("A diff marker names two regions; one region alone is reported")
    func marker() {
        #expect(ChapterParser.parseMarker("<!-- diff: A.swift#x B.swift#y -->")
            == .marker(.diff(oldPath: "A.swift", oldRegion: "x", newPath: "B.swift", newRegion: "y")))
        #expect(ChapterParser.parseMarker("<!-- diff: A.swift#x -->")
            == .invalid("a diff marker names two regions: <!-- diff: OLD#REGION NEW#REGION -->"))
    }

    @Test("A drifted diff block is reported; an exact one passes")
    func drift() throws {
        let package = try TemporaryDirectory()
        try package.write("Sources/A/Old.swift", Array("// ANCHOR: r\nlet a = 1\nlet b = 2\n// ANCHOR_END: r\n".utf8))
        try package.write("Sources/A/New.swift", Array("// ANCHOR: r\nlet a = 1\nlet b = 3\n// ANCHOR_END: r\n".utf8))
        try package.write("docs/01-good.md", Array("""
            <!-- diff: Sources/A/Old.swift#r Sources/A/New.swift#r -->
            ```diff
            @@
             let a = 1
            -let b = 2
            +let b = 3
            ```

            """.utf8))
        try package.write("docs/02-drifted.md", Array("""
            <!-- diff: Sources/A/Old.swift#r Sources/A/New.swift#r -->
            ```diff
            @@
            -let b = 2
            +let b = 4
            ```

            """.utf8))
        let check = DocsCheck(packageRoot: package.path)
        #expect(check.codeFindings(in: "docs/01-good.md").isEmpty)
        let findings = check.codeFindings(in: "docs/02-drifted.md")
        #expect(findings.count == 1)
        #expect(findings.first?.message.hasPrefix("the diff block differs") == true)
        #expect(check.shownRegions() == ["Sources/A/Old.swift#r", "Sources/A/New.swift#r"])
    }
}
