import Foundation
import Testing
import TestSupport
@testable import Step5Invalidation

@Suite("The invalidation history: one fsync'd JSON line per call, read back at start-up", .timeLimit(.minutes(1)))
struct InvalidationHistoryTests {
    static func record(_ project: String, _ hash: String, error: String? = nil) -> InvalidationRecord {
        InvalidationRecord(projectName: project, commitHash: hash, invalidationDate: "2026-12-02T09:00:00Z",
                           requestedInvalidations: ["/1.jpg"], doneInvalidations: error == nil ? ["/1.jpg"] : [],
                           invalidatedImages: [.init(source: "/1.jpg", key: "h/1.jpg", path: "c/5/7f/x", size: 8192,
                                                     storedAt: "2026-12-02T08:00:00Z")],
                           invalidationError: error)
    }

    @Test("Records survive a reopen, per project, newest first; the error is null when there is none")
    func roundTrip() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/history.jsonl"
        let reports = ReportLog()
        do {
            let history = try InvalidationHistory(path: path) { reports.append($0) }
            try history.append(Self.record("web", "aaaaaaa"))
            try history.append(Self.record("app", "bbbbbbb"))
            try history.append(Self.record("web", "ccccccc", error: "/1.jpg: cannot delete x: Is a directory"))
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.split(separator: "\n").count == 3)
        #expect(text.contains(#""invalidationError":null"#))
        let reopened = try InvalidationHistory(path: path) { reports.append($0) }
        #expect(reopened.latest(of: "web")?.commitHash == "ccccccc")
        #expect(reopened.records(of: "web", limit: 10).map(\.commitHash) == ["ccccccc", "aaaaaaa"])
        #expect(reopened.records(of: "web", limit: 1).map(\.commitHash) == ["ccccccc"])
        #expect(reopened.latest(of: "app") == Self.record("app", "bbbbbbb"))
        #expect(reopened.latest(of: "none") == nil)
        #expect(reports.all.isEmpty)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test("A torn last line (a write cut short) is reported and cut off; every earlier record is kept, and the next one is whole")
    func tornLastLine() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/history.jsonl"
        do {
            let history = try InvalidationHistory(path: path) { _ in }
            try history.append(Self.record("web", "aaaaaaa"))
            try history.append(Self.record("web", "bbbbbbb"))
        }
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"projectName":"web","commitHash":"ccc"#.utf8))
        try handle.close()
        let reports = ReportLog()
        let history = try InvalidationHistory(path: path) { reports.append($0) }
        #expect(reports.all == ["history: \(path) ends in an incomplete line of 38 bytes (a write cut short); cut off"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == whole)
        #expect(history.records(of: "web", limit: 10).map(\.commitHash) == ["bbbbbbb", "aaaaaaa"])
        try history.append(Self.record("web", "ddddddd"))
        let again = try InvalidationHistory(path: path) { reports.append($0) }
        #expect(again.records(of: "web", limit: 10).map(\.commitHash) == ["ddddddd", "bbbbbbb", "aaaaaaa"])
        #expect(reports.all.count == 1)
    }

    @Test("A line that is not a record is reported by number and skipped")
    func invalidLine() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/history.jsonl"
        let good = String(decoding: try JSONEncoder().encode(Self.record("web", "aaaaaaa")), as: UTF8.self)
        try "\(good)\nnot json\n\n{\"projectName\":\"web\"}\n\(good)\n".write(toFile: path, atomically: true, encoding: .utf8)
        let reports = ReportLog()
        let history = try InvalidationHistory(path: path) { reports.append($0) }
        #expect(reports.all == ["history: \(path) line 2 is not an invalidation record; skipped",
                                "history: \(path) line 4 is not an invalidation record; skipped"])
        #expect(history.records(of: "web", limit: 10).count == 2)
    }

    @Test("A history that cannot be opened is an error naming the file")
    func unopenable() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: InvalidationHistory.HistoryError.system(call: "open", path: directory.path + "/no/such/h.jsonl", errno: ENOENT)) {
            try InvalidationHistory(path: directory.path + "/no/such/h.jsonl") { _ in }
        }
    }

    @Test("Memory keeps the newest records of a project; the file keeps them all")
    func bounded() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/history.jsonl"
        let history = try InvalidationHistory(path: path) { _ in }
        let total = InvalidationHistory.keptPerProject + 5
        for number in 1...total {
            try history.append(Self.record("web", String(format: "%07x", number)))
        }
        let kept = history.records(of: "web", limit: total)
        #expect(kept.count == InvalidationHistory.keptPerProject)
        #expect(kept.first?.commitHash == String(format: "%07x", total))
        #expect(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count == total)
    }
}
