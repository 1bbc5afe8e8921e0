import Foundation
import NginxCache
import Testing
import TestSupport

@Suite("Walking a cache directory: entries, temporary files and strays", .timeLimit(.minutes(1)))
struct CacheDirectoryTests {
    @Test("Entries are found at their md5 path; leftovers and anything out of place are told apart")
    func walk() throws {
        let directory = try TemporaryDirectory()
        let root = directory.path
        var entries: Set<String> = []
        for target in ["/1.jpg", "/2.jpg", "/3.jpg?w=100"] {
            let key = Array("127.0.0.1:8000\(target)".utf8)
            let pending = try PendingCacheFile(cacheDirectory: root, levels: .oneTwo, key: key,
                                               header: CacheFileHeader(validUntil: 0, lastModified: -1, date: 0, keyChecksum: 0,
                                                                       headerStart: 0, bodyStart: 0),
                                               storedHead: Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".utf8))
            entries.insert(try pending.commit())
        }
        let name = "b37ddbaa7469e61f7b5caa77983547f5"
        try FileManager.default.createDirectory(atPath: root + "/5/7f", withIntermediateDirectories: true)
        let temporary = try directory.write("5/7f/\(name).0000000012", [1])
        let wrongDirectory = try directory.write("5/7e/\(name)", [1])  // its name ends in 7f5, not 7e5
        let badName = try directory.write("5/7f/not-an-md5", [1])
        let uppercase = try directory.write("5/7f/B37DDBAA7469E61F7B5CAA77983547F5", [1])
        let fileAsLevel = try directory.write("a", [1])
        let directoryAsEntry = root + "/5/7f/" + "0123456789abcdef0123456789abc7f5"
        try FileManager.default.createDirectory(atPath: directoryAsEntry, withIntermediateDirectories: true)
        let symlink = root + "/5/7f/" + "fedcba9876543210fedcba98765437f5"
        try FileManager.default.createSymbolicLink(atPath: symlink, withDestinationPath: entries.first!)

        var found: [CacheDirectory.Item] = []
        try CacheDirectory(path: root).walk { found.append($0) }
        #expect(Set(found.compactMap { if case .entry(let path, _, _) = $0 { path } else { nil } }) == entries)
        #expect(found.compactMap { if case .temporary(let path) = $0 { path } else { nil } } == [temporary])
        #expect(Set(found.compactMap { if case .stray(let path) = $0 { path } else { nil } })
            == [wrongDirectory, badName, uppercase, fileAsLevel, directoryAsEntry, symlink])
    }

    @Test("A missing cache directory is an error naming it; an empty one has nothing")
    func missingAndEmpty() throws {
        let directory = try TemporaryDirectory()
        var count = 0
        try CacheDirectory(path: directory.path).walk { _ in count += 1 }
        #expect(count == 0)
        #expect(throws: CacheDirectory.WalkError(path: directory.path + "/none", errno: ENOENT)) {
            try CacheDirectory(path: directory.path + "/none").walk { _ in }
        }
    }
}
