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

    @Test("A held file is reused while its path names it; a file renamed over it, an unlink or a rewrite in place is noticed")
    func heldCacheFiles() throws {
        let root = try TemporaryDirectory()
        let path = try root.write("entry", Array("old".utf8))
        let files = HeldCacheFiles(capacity: 2)
        let first = try #require(files.file(at: path))
        #expect(files.file(at: path) === first)
        // A new store: a new file renamed over the path.
        _ = try root.write("entry.0000000001", Array("new!".utf8))
        #expect(rename(path + ".0000000001", path) == 0)
        let second = try #require(files.file(at: path))
        #expect(second !== first)
        #expect(try second.read(count: 4, at: 0) == Array("new!".utf8))
        // The same inode rewritten in place: its size and times change.
        var before = stat(), after = stat()
        #expect(stat(path, &before) == 0)
        let descriptor = open(path, O_WRONLY | O_TRUNC)
        #expect(write(descriptor, "again", 5) == 5)
        close(descriptor)
        #expect(stat(path, &after) == 0 && after.st_ino == before.st_ino)
        let third = try #require(files.file(at: path))
        #expect(third !== second)
        // A purge.
        unlink(path)
        #expect(files.file(at: path) == nil)
        #expect(files.count == 0)
        // At most `capacity` files are held, the least recently used closed first.
        let paths = try ["a", "b", "c"].map { try root.write($0, [1]) }
        let a = try #require(files.file(at: paths[0]))
        _ = files.file(at: paths[1])
        #expect(files.file(at: paths[0]) === a)
        _ = files.file(at: paths[2])
        #expect(files.count == 2)
        #expect(files.file(at: paths[0]) === a)
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
