import Foundation
import Testing
import TestSupport

/// A git repository in a temporary directory, for the invalidate command's tests: files written,
/// committed, rewritten, cloned, with the real `git`.
struct GitFixture {
    let directory: TemporaryDirectory
    /// The work tree.
    var path: String { directory.path + "/repo" }

    /// Whether git is installed (`.ci/run` installs it).
    static let isInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/git")

    /// A new repository with one branch, `main`, and no commit.
    init() throws {
        directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path + "/repo", withIntermediateDirectories: true)
        try git("init", "-q", "-b", "main")
        try git("config", "user.email", "ci@example.com")
        try git("config", "user.name", "CI")
        try git("config", "commit.gpgsign", "false")
    }

    /// Writes `bytes` to `relative` in the work tree, creating its directories.
    func write(_ relative: String, _ bytes: [UInt8]) throws {
        let url = URL(fileURLWithPath: path + "/" + relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    /// Stages everything and commits it; the new commit's hash.
    @discardableResult
    func commit(_ message: String) throws -> String {
        try git("add", "-A")
        try git("commit", "-q", "--allow-empty", "-m", message)
        return try git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs git in the work tree; its standard output. A failure is a test failure.
    @discardableResult
    func git(_ arguments: String...) throws -> String {
        try Self.git(in: path, arguments)
    }

    /// Runs `git -C directory arguments`; its standard output.
    @discardableResult
    static func git(in directory: String, _ arguments: [String]) throws -> String {
        let run = try CommandRun.run(executable: "/usr/bin/git", ["-C", directory] + arguments)
        guard run.status == 0 else {
            throw GitFailure(message: "git \(arguments.joined(separator: " ")): \(run.errors)")
        }
        return run.output
    }

    struct GitFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
