import Foundation
import TestSupport

/// Runs transcript blocks for real: starts the scenario's servers from the built products, runs
/// each `$ ` command with `/bin/sh -c`, and compares its normalised output with the chapter's.
struct TranscriptRunner {
    /// Where commands and servers run: the package root, where a reader types them.
    var workingDirectory: String
    /// The directory holding the built executables (`Step1Origin`, …).
    var productDirectory: String
    var scenarios: [String: Scenario] = Scenario.all
    var commandTimeout: Duration = .seconds(30)

    /// The servers of one scenario, started for a transcript block and kept for the blocks that
    /// continue it.
    final class Session {
        let scenario: String
        fileprivate var servers: [ServerProcess] = []
        fileprivate var ports = PortMap()
        fileprivate var scratch: TemporaryDirectory?

        fileprivate init(scenario: String) {
            self.scenario = scenario
        }

        /// Stops the servers and removes the scratch directory.
        func stop() {
            servers.forEach { $0.stop() }
            servers = []
            scratch = nil
        }

        deinit { stop() }
    }

    /// Fresh servers of `name` for `block`, so cache state (and so the output) is deterministic.
    func startSession(scenario name: String, block: CheckedBlock, chapter: String) -> Result<Session, DocsFinding> {
        func finding(_ message: String) -> Result<Session, DocsFinding> {
            .failure(DocsFinding(chapter: chapter, line: block.markerLine, message: message))
        }
        guard let scenario = scenarios[name] else {
            return finding("unknown scenario `\(name)`; known: \(scenarios.keys.sorted().joined(separator: ", ")) (see Tests/DocsTests/Scenario.swift)")
        }
        let session = Session(scenario: name)
        if let shown = scenario.scratchDirectory {
            do {
                let directory = try TemporaryDirectory()
                session.scratch = directory
                session.ports.add(shownPath: shown, realPath: directory.path + "/scratch")
                // As the servers block's `mkdir -p` makes it, for a server that needs it (redis-server's --dir).
                if scenario.makesScratchDirectory {
                    try FileManager.default.createDirectory(atPath: directory.path + "/scratch", withIntermediateDirectories: true)
                }
            } catch {
                return finding("scenario `\(name)`: no scratch directory: \(error)")
            }
        }
        for server in scenario.servers {
            let executable = server.executable.hasPrefix("/") ? server.executable : productDirectory + "/" + server.executable
            do {
                var arguments = server.arguments.map(session.ports.toReal)
                if let listener = server.secondListener {
                    arguments = ServerProcess.replacingOption(listener.option, with: "0", in: arguments)
                }
                let process = try ServerProcess(executable: executable, arguments: arguments,
                                                port: server.listensOnShownPort ? server.shownPort : 0,
                                                workingDirectory: workingDirectory,
                                                environment: Dictionary(server.environment, uniquingKeysWith: { $1 }),
                                                announcesAddress: server.announcesAddress)
                session.servers.append(process)
                session.ports.add(shown: server.shownPort, real: process.port)
                if let listener = server.secondListener {
                    guard let line = process.waitForOutputLine(containing: listener.announcement),
                          let port = ServerProcess.port(inAddressLine: line.replacingOccurrences(of: listener.announcement,
                                                                                                 with: "listening on "))
                    else {
                        session.stop()
                        return finding("scenario `\(name)`: \(server.executable) did not print `\(listener.announcement)URL`")
                    }
                    session.ports.add(shown: listener.shownPort, real: port)
                }
            } catch {
                session.stop()
                let hint = server.listensOnShownPort
                    ? " (it must listen on port \(server.shownPort) itself: is a chapter's server still running there? scripts/stop.sh stops them)" : ""
                return finding("scenario `\(name)`: \(error)\(hint)")
            }
        }
        return .success(session)
    }

    /// The findings for one transcript block of `chapter` run in `session` (empty when the output matches).
    func run(_ block: CheckedBlock, in session: Session, chapter: String) -> [DocsFinding] {
        func finding(_ line: Int, _ message: String) -> [DocsFinding] {
            [DocsFinding(chapter: chapter, line: line, message: message)]
        }
        let steps: [TranscriptStep]
        do {
            steps = try Transcript.steps(of: block.lines, firstLine: block.firstLine)
        } catch {
            return finding(error.line, error.message)
        }
        var findings: [DocsFinding] = []
        for step in steps {
            let result = ShellCommand.run(session.ports.toReal(step.command), in: workingDirectory, timeout: commandTimeout)
            if result.isTimedOut {
                findings += finding(step.line, "`\(step.command)` did not finish within \(commandTimeout)")
                continue
            }
            let actual = ChapterParser.splitLines(session.ports.toShown(result.output))
            let diff = LineDiff.describe(
                expected: Transcript.comparable(step.expectedOutput), actual: Transcript.comparable(actual),
                expectedLabel: "\(chapter):\(step.line) (chapter)", actualLabel: "output of `\(step.command)`",
                firstLine: step.line + step.command.split(separator: "\n", omittingEmptySubsequences: false).count)
            if let diff {
                findings += finding(step.line, "the output of `\(step.command)` differs:\n\(diff)")
            }
        }
        return findings
    }

    /// The findings for one transcript block of `chapter` on fresh servers of `scenario`.
    func check(_ block: CheckedBlock, scenario name: String, chapter: String) -> [DocsFinding] {
        switch startSession(scenario: name, block: block, chapter: chapter) {
        case .success(let session):
            defer { session.stop() }
            return run(block, in: session, chapter: chapter)
        case .failure(let finding):
            return [finding]
        }
    }

    /// The findings for a servers block. Its commands (a `# comment` after them aside) are
    /// `scripts/stop.sh` first (stop what earlier blocks started), `rm -rf DIR` and `mkdir -p DIR` (empty the scenario's scratch directory,
    /// which a scenario that has one must do) and the scenario's servers, in order, with the same
    /// arguments: `swift run NAME ARGS…` (after its environment, `NAME=VALUE …`), or the command itself for a server run through
    /// `/usr/bin/env` (`python3 scripts/session-origin.py`).
    func checkServers(_ block: CheckedBlock, scenario name: String, chapter: String) -> [DocsFinding] {
        func finding(_ message: String) -> [DocsFinding] {
            [DocsFinding(chapter: chapter, line: block.markerLine, message: message)]
        }
        guard let scenario = scenarios[name] else { return finding("unknown scenario `\(name)`") }
        let commands = block.lines.filter { $0.hasPrefix("$ ") }.map { line in
            String(line.dropFirst(2).prefix { $0 != "#" }).split(separator: " ").map(String.init)
        }
        let shown = commands.filter { $0 != ["scripts/stop.sh"] && !$0.starts(with: ["rm", "-rf"]) && !$0.starts(with: ["mkdir", "-p"]) }
        let expected = scenario.servers.map { server in
            server.executable == "/usr/bin/env" ? server.arguments
                : server.environment.map { "\($0.name)=\($0.value)" } + ["swift", "run", server.executable] + server.arguments
        }
        guard shown == expected else {
            let list = expected.map { $0.joined(separator: " ") }.joined(separator: "; ")
            return finding("the servers block of `\(name)` must start exactly its servers: \(list)")
        }
        // A reader who followed the blocks before has their servers still running on these ports.
        guard commands.first == ["scripts/stop.sh"] else {
            return finding("the servers block of `\(name)` must first stop what earlier blocks started: `$ scripts/stop.sh`")
        }
        if let scratch = scenario.scratchDirectory, !commands.contains(["rm", "-rf", scratch]) {
            return finding("the servers block of `\(name)` must start from an empty \(scratch): `$ rm -rf \(scratch)`")
        }
        if let scratch = scenario.scratchDirectory, scenario.makesScratchDirectory, !commands.contains(["mkdir", "-p", scratch]) {
            return finding("the servers block of `\(name)` must make \(scratch) again: `$ mkdir -p \(scratch)`")
        }
        return []
    }
}

/// The shown ports of a scenario's servers and the real ports they got, and the shown path of its
/// scratch directory and the real one.
struct PortMap {
    private var pairs: [(shown: Int, real: Int)] = []
    private var paths: [(shown: String, real: String)] = []

    mutating func add(shown: Int, real: Int) { pairs.append((shown, real)) }

    mutating func add(shownPath: String, realPath: String) { paths.append((shownPath, realPath)) }

    /// `text` with `127.0.0.1:SHOWN` (also `localhost:SHOWN`, and curl's `127.0.0.1 port SHOWN`)
    /// and the shown scratch path made real.
    func toReal(_ text: String) -> String {
        let withPaths = paths.reduce(text) { $0.replacingOccurrences(of: $1.shown, with: $1.real) }
        return pairs.filter { $0.shown != $0.real }.reduce(withPaths) { Self.replacingPort($1.shown, with: $1.real, in: $0) }
    }

    /// `text` with the real ports and paths turned back into the shown ones.
    func toShown(_ text: String) -> String {
        let withPaths = paths.reduce(text) { $0.replacingOccurrences(of: $1.real, with: $1.shown) }
        return pairs.filter { $0.shown != $0.real }.reduce(withPaths) { Self.replacingPort($1.real, with: $1.shown, in: $0) }
    }

    private static func replacingPort(_ port: Int, with replacement: Int, in text: String) -> String {
        OutputNormalizer.replacing(#"(127\.0\.0\.1|localhost)(:| port )\#(port)(?![0-9])"#, in: text, with: "$1$2\(replacement)")
    }
}

/// One shell command run to completion (or its timeout), stdout and stderr captured together.
enum ShellCommand {
    struct Result {
        var output: String
        var isTimedOut: Bool
    }

    /// Runs `/bin/sh -c command` in `directory`; on timeout its whole process group is killed.
    static func run(_ command: String, in directory: String, timeout: Duration) -> Result {
        let outputFile = NSTemporaryDirectory() + "docs-command-" + UUID().uuidString + ".out"
        _ = FileManager.default.createFile(atPath: outputFile, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputFile) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        // One handle for both, as `2>&1` would: they share the file offset, so lines interleave in order.
        let output = FileHandle(forWritingAtPath: outputFile)
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            return Result(output: "could not run /bin/sh: \(error)", isTimedOut: false)
        }

        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.005) }
        let isTimedOut = process.isRunning
        if isTimedOut { kill(-process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let data = FileManager.default.contents(atPath: outputFile) ?? Data()
        return Result(output: String(decoding: data, as: UTF8.self), isTimedOut: isTimedOut)
    }

    /// This process's environment in the C locale and without proxy settings (curl would send
    /// requests for 127.0.0.1 to a proxy named in `http_proxy`).
    private static var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.lowercased().hasSuffix("_proxy") }
        environment["LC_ALL"] = "C"
        return environment
    }
}
