import Foundation
import NginxCache
import Testing
import TestSupport

@Suite("The cache loader: entries back from the directory, leftovers removed", .timeLimit(.minutes(1)))
struct CacheLoaderTests {
    private static func write(_ target: String, in root: String, body: [UInt8] = Array(repeating: 7, count: 5000)) throws -> String {
        let key = Array("127.0.0.1:8000\(target)".utf8)
        let pending = try PendingCacheFile(cacheDirectory: root, levels: .oneTwo, key: key,
                                           header: CacheFileHeader(validUntil: 2_000_000_000, lastModified: -1, date: 1_900_000_000,
                                                                   keyChecksum: 0, headerStart: 0, bodyStart: 0),
                                           storedHead: Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\n\r\n".utf8))
        try pending.append(body)
        return try pending.commit()
    }

    @Test("Valid entries load with their keys, sizes and validity; temporary and invalid files are removed")
    func load() throws {
        let directory = try TemporaryDirectory()
        let root = directory.path
        let good = try Self.write("/1.jpg", in: root)
        let alsoGood = try Self.write("/2.jpg?w=100", in: root)
        // A write that never finished.
        let temporary = good + ".0000000099"
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: temporary))
        // A file of another version.
        let otherVersion = try Self.write("/3.jpg", in: root)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: otherVersion))
        bytes[0] = 4
        try bytes.write(to: URL(fileURLWithPath: otherVersion))
        // A valid entry copied under another key's name: its md5 does not match.
        let foreignName = root + "/" + CacheLevels.oneTwo.relativePath(ofFileNamed: MD5("127.0.0.1:8000/4.jpg").hex)
        try FileManager.default.createDirectory(atPath: (foreignName as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: good, toPath: foreignName)

        let report = try CacheLoader.load(directory: CacheDirectory(path: root))
        #expect(Set(report.entries.map(\.path)) == [good, alsoGood])
        let first = try #require(report.entries.first { $0.path == good })
        #expect(first.key == Array("127.0.0.1:8000/1.jpg".utf8))
        #expect(first.header.validUntil == 2_000_000_000)
        #expect(first.fileSize == Int64(try Data(contentsOf: URL(fileURLWithPath: good)).count))
        #expect(first.diskSize >= first.fileSize)
        #expect(Set(report.removed.map(\.path)) == [temporary, otherVersion, foreignName])
        for removed in [temporary, otherVersion, foreignName] {
            #expect(!FileManager.default.fileExists(atPath: removed))
        }
        #expect(report.strays.isEmpty)
    }

    @Test("Without removingInvalidFiles, a load only looks")
    func lookOnly() throws {
        let directory = try TemporaryDirectory()
        let good = try Self.write("/1.jpg", in: directory.path)
        let temporary = good + ".0000000001"
        try Data([1]).write(to: URL(fileURLWithPath: temporary))
        let report = try CacheLoader.load(directory: CacheDirectory(path: directory.path), removingInvalidFiles: false)
        #expect(report.entries.count == 1)
        #expect(report.removed.map(\.path) == [temporary])
        #expect(FileManager.default.fileExists(atPath: temporary))
    }

    @Test("A key longer than the first read is still read whole")
    func longKey() throws {
        let directory = try TemporaryDirectory()
        let target = "/1.jpg?" + String(repeating: "q", count: 6000)
        let path = try Self.write(target, in: directory.path)
        let report = try CacheLoader.load(directory: CacheDirectory(path: directory.path))
        #expect(report.entries.map(\.path) == [path])
        #expect(report.entries.first?.key == Array("127.0.0.1:8000\(target)".utf8))
    }
}
