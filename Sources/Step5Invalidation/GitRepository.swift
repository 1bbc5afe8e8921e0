import Foundation
import Synchronization

/// The git repository a CI job checked out, asked through the `git` command (the only tool a CI
/// image is sure to have): which commit is `HEAD`, whether a recorded commit is in its history,
/// and which files changed between two commits.
///
/// Paths are bytes, as git stores them (`-z` output: no quoting of spaces, quotes or non-ASCII
/// letters, and names that are not UTF-8 survive). Every call has a deadline.
struct GitRepository: Sendable {
    /// Why git could not answer; each case is one message, git's own words included.
    enum GitError: Error, Equatable, CustomStringConvertible {
        /// git could not be started at all.
        case notRunnable(String)
        /// git exited with a failure status.
        case failed(command: String, status: Int32, message: String)
        case timedOut(command: String)

        var description: String {
            switch self {
            case .notRunnable(let reason): "cannot run git: \(reason)"
            case .failed(let command, let status, let message):
                "git \(command) failed (exit \(status))" + (message.isEmpty ? "" : ": \(message)")
            case .timedOut(let command): "git \(command) did not finish within a minute"
            }
        }
    }

    /// One changed path, with what happened to it: `A`dded, `M`odified, `D`eleted, `T`ype
    /// changed, or one side of a `R`ename or `C`opy.
    struct Change: Sendable, Equatable {
        var status: Character
        var path: [UInt8]
    }

    /// The repository's directory (or any directory inside its work tree).
    let directory: String

    /// The full hash of `HEAD`.
    func head() throws(GitError) -> String {
        let output = try run(["rev-parse", "--verify", "HEAD^{commit}"])
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether `commit` is `ancestor`'s descendant or itself: the changes since it are then
    /// exactly `git diff commit..HEAD`. `false` for a commit the clone does not have (a shallow
    /// clone) or one a force push left out of the history.
    func isInHistory(_ commit: String, of descendant: String) -> Bool {
        // Only a hash: anything else would be an option or a revision expression to git.
        guard !commit.isEmpty, commit.utf8.allSatisfy({ $0.hexDigitValue != nil }) else { return false }
        return (try? run(["merge-base", "--is-ancestor", commit, descendant])) != nil
    }

    // ANCHOR: git-changes
    /// Every path that changed from `old` to `new`: both sides of a rename or a copy, deleted
    /// paths too (their cached copies must go as well).
    func changes(from old: String, to new: String) throws(GitError) -> [Change] {
        // -M: a rename is one entry with both names; --no-renames would hide nothing, but the
        // record reads better with both sides named. --no-ext-diff, --no-textconv: plain output,
        // whatever the job's git configuration says.
        let output = try run(["diff", "--name-status", "-z", "-M", "--no-ext-diff", "--no-textconv", old, new, "--"])
        return Self.parseNameStatus(output)
    }
    // ANCHOR_END: git-changes

    /// Every file in `commit`'s tree (for a first run, or a history that lost the recorded commit).
    func files(at commit: String) throws(GitError) -> [Change] {
        let output = try run(["ls-tree", "-r", "-z", "--name-only", "--full-tree", commit])
        return output.split(separator: 0).map { Change(status: "A", path: Array($0)) }
    }

    // ANCHOR: name-status
    /// The changes in `git diff --name-status -z` output: `STATUS NUL PATH NUL`, and for a rename
    /// or copy `R100 NUL OLD NUL NEW NUL` (the number is the similarity, which does not matter here).
    static func parseNameStatus(_ output: [UInt8]) -> [Change] {
        var fields = output.split(separator: 0, omittingEmptySubsequences: false)[...]
        if fields.last?.isEmpty == true { fields = fields.dropLast() }
        var changes: [Change] = []
        while let status = fields.popFirst(), let letter = status.first.map({ Character(UnicodeScalar($0)) }) {
            let pathCount = letter == "R" || letter == "C" ? 2 : 1
            guard fields.count >= pathCount else { break }  // output cut short: nothing half read
            for _ in 0..<pathCount { changes.append(Change(status: letter, path: Array(fields.popFirst()!))) }
        }
        return changes
    }
    // ANCHOR_END: name-status

    /// Runs `git -C directory ARGUMENTS` and returns its standard output; throws with its
    /// standard error when it fails.
    private func run(_ arguments: [String]) throws(GitError) -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // -c core.quotePath=false is moot with -z; GIT_OPTIONAL_LOCKS=0: a read never takes the index lock.
        process.arguments = ["git", "-C", directory] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_OPTIONAL_LOCKS"] = "0"
        environment["LC_ALL"] = "C"
        process.environment = environment
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw .notRunnable("\(error)")
        }
        // Both pipes are read while git runs: a child that fills a pipe nobody reads never exits.
        let errorData = ErrorData()
        let errorsRead = DispatchSemaphore(value: 0)
        Thread {
            errorData.set(errors.fileHandleForReading.readDataToEndOfFile())
            errorsRead.signal()
        }.start()
        let deadline = Deadline()
        let timer = DispatchWorkItem {
            deadline.passed()
            process.terminate()
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: timer)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        errorsRead.wait()
        process.waitUntilExit()
        timer.cancel()
        let command = arguments.first ?? ""
        if deadline.hasPassed { throw .timedOut(command: command) }
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errorData.get(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw .failed(command: command, status: process.terminationStatus, message: message)
        }
        return Array(data)
    }
}

/// Whether a call's deadline passed (and git was stopped for it).
private final class Deadline: Sendable {
    private let flag = Mutex(false)
    func passed() { flag.withLock { $0 = true } }
    var hasPassed: Bool { flag.withLock { $0 } }
}

/// Standard error's bytes, handed from the thread that reads them.
private final class ErrorData: @unchecked Sendable {
    // @unchecked: written once before the semaphore is signalled, read after it is waited for.
    private var data = Data()
    func set(_ data: Data) { self.data = data }
    func get() -> Data { data }
}
