#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NginxCache
import Testing
import TestSupport
@testable import Step4Purge

/// The claims of chapter 4's worked solutions (docs/solutions/04-purge.md).
@Suite("Chapter 4's solutions do what their text claims", .timeLimit(.minutes(1)))
struct Chapter4SolutionTests {
    static func store(_ key: String, in directory: String) throws -> String {
        let pending = try PendingCacheFile(cacheDirectory: directory, levels: .oneTwo, key: Array(key.utf8),
                                           header: CacheFileHeader(storing: [:], date: 0, validUntil: 3_600),
                                           storedHead: Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".utf8))
        return try pending.commit()
    }

    @Test("A descriptor held open reads the old file after a new one is renamed over its path; a fresh open reads the new one")
    func heldDescriptorAfterRename() throws {
        let root = try TemporaryDirectory()
        let path = try root.write("entry", Array("old".utf8))
        let held = open(path, O_RDONLY)
        defer { close(held) }
        _ = try root.write("entry.0000000001", Array("new".utf8))
        #expect(rename(path + ".0000000001", path) == 0)
        var buffer = [UInt8](repeating: 0, count: 3)
        #expect(pread(held, &buffer, 3, 0) == 3 && buffer == Array("old".utf8))
        #expect(FileManager.default.contents(atPath: path) == Data("new".utf8))
    }

    @Test("A purge's empty level directories go, deepest first; a directory with another entry or a temporary file stays")
    func emptyLevelDirectories() throws {
        let root = try TemporaryDirectory()
        let cache = CacheDirectory(path: root.path, levels: .oneTwo)
        let alone = try Self.store("k/alone", in: root.path)
        unlink(alone)
        #expect(cache.removeEmptyLevelDirectories(above: alone) == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).isEmpty)

        // Two keys in one second-level directory: removing one entry removes no directory.
        let first = try Self.store("k/first", in: root.path)
        let sibling = try #require((0..<100_000).lazy.map { "k/\($0)" }.first { key in
            MD5(Array(key.utf8)).hex.suffix(3) == MD5(Array("k/first".utf8)).hex.suffix(3)
        })
        let second = try Self.store(sibling, in: root.path)
        unlink(first)
        #expect(cache.removeEmptyLevelDirectories(above: first) == 0)
        #expect(FileManager.default.fileExists(atPath: second))

        // A store in progress: its temporary file keeps the directory.
        let pending = try PendingCacheFile(cacheDirectory: root.path, levels: .oneTwo, key: Array("k/writing".utf8),
                                           header: CacheFileHeader(storing: [:], date: 0, validUntil: 3_600),
                                           storedHead: Array("HTTP/1.1 200 OK\r\n\r\n".utf8))
        #expect(cache.removeEmptyLevelDirectories(above: pending.path) == 0)
        #expect(try pending.commit() == pending.path)
        // The cache directory itself is never removed.
        #expect(FileManager.default.fileExists(atPath: root.path))
    }

    @Test("The race of the exercise: a store whose directory was removed after it was made fails with ENOENT, and leaves nothing")
    func storeAfterRemovedDirectory() throws {
        let root = try TemporaryDirectory()
        let key = Array("k/raced".utf8)
        let path = root.path + "/" + CacheLevels.oneTwo.relativePath(ofFileNamed: MD5(key).hex)
        // The store made the directories (as makeDirectories does), then the remover ran.
        let directory = String(path[..<path.lastIndex(of: "/")!])
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        #expect(CacheDirectory(path: root.path, levels: .oneTwo).removeEmptyLevelDirectories(above: path) == 2)
        // Its open(2) of the temporary file in that directory now fails.
        #expect(open(path + ".0000000001", O_WRONLY | O_CREAT | O_EXCL, 0o600) == -1 && errno == ENOENT)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).isEmpty)
    }
}
