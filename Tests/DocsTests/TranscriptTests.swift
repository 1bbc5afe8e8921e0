import Foundation
import Testing
import TestSupport

@Suite("The transcript check runs commands and compares what they print", .timeLimit(.minutes(2)))
struct TranscriptTests {
    @Test("Commands start with `$ `, their output follows, and `\\` continues a command")
    func parsing() throws {
        let steps = try Transcript.steps(of: ["$ curl -s \\", "  http://x", "one", "", "$ true", "$ echo", "two"], firstLine: 10)
        #expect(steps == [
            TranscriptStep(command: "curl -s \\\n  http://x", expectedOutput: ["one", ""], line: 10),
            TranscriptStep(command: "true", expectedOutput: [], line: 14),
            TranscriptStep(command: "echo", expectedOutput: ["two"], line: 15),
        ])
        #expect(throws: DocsFinding(chapter: "", line: 3, message: "a transcript starts with a `$ ` command line")) {
            try Transcript.steps(of: ["", "output first"], firstLine: 2)
        }
    }

    @Test("Clock, file-time and timing values are normalised on both sides", arguments: [
        ("Date: Fri, 21 Nov 2025 07:44:00 GMT\r", "Date: <value>"),
        ("date: Sat, 22 Nov 2025 08:00:00 GMT", "date: <value>"),
        ("< Last-Modified: Fri, 21 Nov 2025 07:41:00 GMT", "< Last-Modified: <value>"),
        ("ETag: \"5465-1763711000\"  ", "ETag: <value>"),
        ("Content-Length: 5465\r", "Content-Length: 5465"),
        ("real\t0m1.004s", "real\t<time>"),
        ("user 0.01", "user <time>"),
        ("200 time_total=0.004123", "200 time_total=<time>"),
        ("served in 0.004s, then 12ms", "served in <duration>, then <duration>"),
        ("cache: 3 entries, 0.0 MB, loaded from cache in 1,375 ms", "cache: 3 entries, 0.0 MB, loaded from cache in <duration>"),
        ("valid until: 2026-12-02T00:44:17Z (in 3600s)", "valid until: <time> (in <duration>)"),
        ("200 5465", "200 5465"),
    ])
    func normalisation(line: String, normalised: String) {
        #expect(OutputNormalizer.normalize(line) == normalised)
    }

    @Test("A shown scratch directory becomes real in commands and back in output; a port shown as itself stays")
    func scratchDirectory() {
        var ports = PortMap()
        ports.add(shownPath: "/tmp/step4-cache", realPath: "/tmp/workshop-test-1/scratch")
        ports.add(shown: 8000, real: 8000)
        #expect(ports.toReal("find /tmp/step4-cache -type f; curl http://127.0.0.1:8000/") ==
                "find /tmp/workshop-test-1/scratch -type f; curl http://127.0.0.1:8000/")
        #expect(ports.toShown("/tmp/workshop-test-1/scratch/f/92/e132") == "/tmp/step4-cache/f/92/e132")
    }

    @Test("Shown ports become real in commands and real ports become shown in output")
    func ports() {
        var ports = PortMap()
        ports.add(shown: 8000, real: 41234)
        #expect(ports.toReal("curl http://127.0.0.1:8000/1.jpg localhost:8000 127.0.0.1:80001") ==
                "curl http://127.0.0.1:41234/1.jpg localhost:41234 127.0.0.1:80001")
        #expect(ports.toShown("Failed to connect to 127.0.0.1 port 41234 after 0 ms; Location: http://127.0.0.1:41234/") ==
                "Failed to connect to 127.0.0.1 port 8000 after 0 ms; Location: http://127.0.0.1:8000/")
    }

    @Test("The address line gives the server's port")
    func addressLine() {
        #expect(ServerProcess.port(inAddressLine: "listening on http://127.0.0.1:43117") == 43117)
        #expect(ServerProcess.port(inAddressLine: "Step1Origin listening on http://127.0.0.1:8000/ (root: x)") == 8000)
        #expect(ServerProcess.port(inAddressLine: "todo") == nil)
    }

    @Test("A command's stdout and stderr are captured in order, and a hung command is killed")
    func shellCommand() {
        let result = ShellCommand.run("echo out; echo err >&2; echo again", in: "/", timeout: .seconds(10))
        #expect(result.output == "out\nerr\nagain\n" && !result.isTimedOut)

        let start = ContinuousClock.now
        let hung = ShellCommand.run("echo before; sleep 30 | cat", in: "/", timeout: .milliseconds(300))
        #expect(hung.isTimedOut && hung.output == "before\n")
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    @Test("An unknown scenario is reported with the known ones")
    func unknownScenario() {
        let runner = TranscriptRunner(workingDirectory: "/", productDirectory: "/nonexistent")
        let block = CheckedBlock(kind: .transcript(scenario: "nope"), markerLine: 3, firstLine: 5, lines: ["$ true"])
        let findings = runner.check(block, scenario: "nope", chapter: "docs/x.md")
        #expect(findings.count == 1 && findings[0].line == 3 && findings[0].message.contains("known: no-servers, step1"))
    }

    @Test("A step 1 transcript passes against the real origin, and a drifted one is reported")
    func realOrigin() throws {
        let products = try #require(ServerProcess.findProductDirectory(), "Step1Origin is not built next to the tests")
        let package = try TemporaryDirectory()
        try package.write("docs/01-origin.md", Array("""
            <!-- servers: step1 -->
            ```console
            $ scripts/stop.sh
            $ swift run Step1Origin
            ```

            <!-- transcript: step1 -->
            ```console
            $ curl -si http://127.0.0.1:8000/1.jpg -o /dev/null -w '%{http_code} %{size_download}\\n'
            200 5465
            $ curl -sI http://127.0.0.1:8000/1.jpg | grep -i -e '^HTTP' -e '^date' -e '^content-length'
            HTTP/1.1 200 OK
            Date: Thu, 01 Jan 1970 00:00:00 GMT
            Content-Length: 5465
            ```

            <!-- transcript: step1 continued -->
            ```console
            $ curl -s http://127.0.0.1:8000/1.jpg -o /dev/null -w '%{http_code} %{size_download}\\n'
            200 9999
            ```

            """.utf8))
        let check = DocsCheck(packageRoot: package.path)
        let runner = TranscriptRunner(workingDirectory: DocsCheck.thisPackageRoot, productDirectory: products)
        let findings = check.transcriptFindings(in: "docs/01-origin.md", runner: runner)
        try #require(findings.count == 1, "\(findings)")
        #expect(findings[0].line == 19)
        #expect(findings[0].message.contains("-200 9999") && findings[0].message.contains("+200 5465"))
    }

    @Test("A continued block runs against the servers the block before it left; a fresh one does not")
    func continuedBlocks() throws {
        let products = try #require(ServerProcess.findProductDirectory(), "Step1Origin is not built next to the tests")
        let package = try TemporaryDirectory()
        // A proxy's cache is the state: the first block stores /1.jpg, the continued one sees the
        // HIT, and a fresh block after it would see a MISS again.
        let statuses = "for i in 1 2; do curl -s -o /dev/null -w '%{header_json}' http://127.0.0.1:8080/1.jpg | grep -o 'MISS\\|HIT'; done"
        let servers = """
            <!-- servers: step3 -->
            ```console
            $ scripts/stop.sh
            $ swift run Step1Origin
            $ swift run Step3MinUses --upstream http://127.0.0.1:8000
            ```
            """
        try package.write("docs/03-x.md", Array("""
            \(servers)

            <!-- transcript: step3 -->
            ```console
            $ \(statuses)
            MISS
            MISS
            ```

            <!-- transcript: step3 continued -->
            ```console
            $ \(statuses)
            HIT
            HIT
            ```

            \(servers)

            <!-- transcript: step3 -->
            ```console
            $ \(statuses)
            HIT
            HIT
            ```

            <!-- transcript: step1 continued -->
            ```console
            $ true
            ```

            """.utf8))
        let check = DocsCheck(packageRoot: package.path)
        let runner = TranscriptRunner(workingDirectory: DocsCheck.thisPackageRoot, productDirectory: products)
        let findings = check.transcriptFindings(in: "docs/03-x.md", runner: runner)
        #expect(findings.map(\.line) == [31, 36], "\(findings)")
        #expect(findings.last?.message.contains("`continued` needs a transcript block of scenario `step1` just before") == true)
    }

    @Test("A transcript on fresh servers that no servers block started is reported; server-less ones need none")
    func freshBlockNeedsServers() {
        let package = try! TemporaryDirectory()
        try! package.write("docs/01-x.md", Array("""
            <!-- transcript: no-servers -->
            ```console
            $ echo fine
            fine
            ```

            <!-- transcript: step1 -->
            ```console
            $ true
            ```

            """.utf8))
        let runner = TranscriptRunner(workingDirectory: "/", productDirectory: "/nonexistent")
        let findings = DocsCheck(packageRoot: package.path).transcriptFindings(in: "docs/01-x.md", runner: runner)
        #expect(findings.first?.line == 7)
        #expect(findings.first?.message.contains("needs a `<!-- servers: step1 -->` block") == true)
    }

    @Test("A servers block must first stop what runs, show exactly its scenario's servers, and start an empty scratch directory", arguments: [
        (["$ scripts/stop.sh   # terminal 1", "$ rm -rf /tmp/step4-cache", "$ swift run Step1Origin   # terminal 1",
          "$ swift run Step4Purge --upstream http://127.0.0.1:8000 --cache-dir /tmp/step4-cache   # terminal 2"], nil),
        (["$ rm -rf /tmp/step4-cache", "$ swift run Step1Origin",
          "$ swift run Step4Purge --upstream http://127.0.0.1:8000 --cache-dir /tmp/step4-cache"],
         "must first stop what earlier blocks started"),
        (["$ scripts/stop.sh", "$ swift run Step1Origin", "$ swift run Step4Purge --upstream http://127.0.0.1:8000 --cache-dir /tmp/step4-cache"],
         "must start from an empty /tmp/step4-cache"),
        (["$ scripts/stop.sh", "$ rm -rf /tmp/step4-cache", "$ swift run Step1Origin", "$ swift run Step4Purge --upstream http://127.0.0.1:8000"],
         "must start exactly its servers"),
        (["$ scripts/stop.sh", "$ rm -rf /tmp/step4-cache",
          "$ swift run Step4Purge --upstream http://127.0.0.1:8000 --cache-dir /tmp/step4-cache", "$ swift run Step1Origin"],
         "must start exactly its servers"),
    ] as [([String], String?)])
    func serversBlock(lines: [String], problem: String?) {
        let runner = TranscriptRunner(workingDirectory: "/", productDirectory: "/nonexistent")
        let block = CheckedBlock(kind: .servers(scenario: "step4"), markerLine: 2, firstLine: 4, lines: lines)
        let findings = runner.checkServers(block, scenario: "step4", chapter: "docs/04-purge.md")
        if let problem {
            #expect(findings.count == 1 && findings[0].message.contains(problem), "\(findings)")
        } else {
            #expect(findings.isEmpty, "\(findings)")
        }
    }

    @Test("Transcript markers may say they continue; servers markers name a scenario", arguments: [
        ("<!-- transcript: step4 continued -->", CheckedBlock.Kind.transcript(scenario: "step4", continuesPrevious: true)),
        ("<!-- transcript: step4 -->", .transcript(scenario: "step4", continuesPrevious: false)),
        ("<!-- servers: step4 -->", .servers(scenario: "step4")),
    ])
    func markerKinds(marker: String, kind: CheckedBlock.Kind) {
        let (blocks, problems) = ChapterParser.checkedBlocks(in: marker + "\n```console\n$ true\n```\n")
        #expect(problems.isEmpty)
        #expect(blocks.first?.kind == kind)
    }

    @Test("A transcript marker with another second word is reported")
    func badContinuedMarker() {
        let (blocks, problems) = ChapterParser.checkedBlocks(in: "<!-- transcript: step4 again -->\n```console\n$ true\n```\n")
        #expect(blocks.isEmpty)
        #expect(problems.first?.message.contains("[continued]") == true)
    }
}
