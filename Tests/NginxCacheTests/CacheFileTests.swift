import Foundation
import HTTPCore
import NginxCache
import Testing
import TestSupport

@Suite("Cache files written crash-safely and checked before they are trusted", .timeLimit(.minutes(1)))
struct CacheFileTests {
    private static let key = Array("127.0.0.1:8000/1.jpg".utf8)
    private static let body = try! SampleImages.bytes("1.jpg")
    private static let storedHead = Array("HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: \(body.count)\r\nETag: \"x\"\r\n\r\n".utf8)
    private static let header = CacheFileHeader(validUntil: 1_800_000_000, lastModified: 1_700_000_000, date: 1_799_996_400,
                                                keyChecksum: 0, headerStart: 0, bodyStart: 0)

    /// Writes the sample entry into `directory` and returns its path.
    @discardableResult
    private func writeEntry(in directory: String, key: [UInt8] = key, body: [UInt8] = body) throws -> String {
        let pending = try PendingCacheFile(cacheDirectory: directory, levels: .oneTwo, key: key, header: Self.header,
                                           storedHead: Self.storedHead)
        try pending.append(body.prefix(1000))
        try pending.append(body.dropFirst(1000))
        return try pending.commit()
    }

    @Test("A written entry opens with its header, key, stored head and body; files 0600, directories 0700")
    func roundTrip() throws {
        let directory = try TemporaryDirectory()
        let path = try writeEntry(in: directory.path)
        #expect(path == directory.path + "/" + CacheLevels.oneTwo.relativePath(ofFileNamed: MD5(Self.key).hex))
        let file = try CacheFile(path: path, expectedKey: Self.key)
        #expect(file.key == Self.key)
        #expect(file.header.validUntil == 1_800_000_000)
        #expect(file.header.keyChecksum == CRC32.checksum(Self.key))
        #expect(file.storedHead.status.code == 200)
        #expect(file.storedHead.headerFields["ETag"] == "\"x\"")
        #expect(file.bodyLength == Int64(Self.body.count))
        #expect(try file.file.read(count: Self.body.count, at: file.bodyOffset) == Self.body)
        #expect(try Self.mode(of: path) == 0o600)
        #expect(try Self.mode(of: (path as NSString).deletingLastPathComponent) == 0o700)
        // Nothing else is left in the entry's directory: no temporary file.
        #expect(try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent) == [MD5(Self.key).hex])
    }

    @Test("An abandoned or released entry leaves no file and no temporary file")
    func abandoned() throws {
        let directory = try TemporaryDirectory()
        do {
            let pending = try PendingCacheFile(cacheDirectory: directory.path, levels: .oneTwo, key: Self.key,
                                               header: Self.header, storedHead: Self.storedHead)
            try pending.append(Self.body.prefix(100))
            #expect(FileManager.default.fileExists(atPath: pending.temporaryPath))
            // Released without commit, as when the upstream's body breaks off.
        }
        let entryDirectory = directory.path + "/" + (CacheLevels.oneTwo.relativePath(ofFileNamed: MD5(Self.key).hex) as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: entryDirectory).isEmpty)
    }

    @Test("Files that must never be served are refused, each with its reason")
    func refusedFiles() throws {
        let directory = try TemporaryDirectory()
        let path = try writeEntry(in: directory.path)
        let good = try #require(FileManager.default.contents(atPath: path).map { Array($0) })
        func expectRefused(_ bytes: [UInt8], _ error: CacheFileError, expectedKey: [UInt8]? = Self.key,
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
            let file = try directory.write("case", bytes)
            #expect(throws: error, sourceLocation: sourceLocation) { try CacheFile(path: file, expectedKey: expectedKey) }
        }
        try expectRefused(Array(good.dropLast(10)), .bodyLengthMismatch)  // a truncated body
        try expectRefused(good + [0], .bodyLengthMismatch)
        try expectRefused(Array(good.prefix(300)), .tooShort)
        var version = good
        version[0] = 4
        try expectRefused(version, .unsupportedVersion(4))
        var checksum = good
        checksum[48] ^= 0xFF
        try expectRefused(checksum, .checksumMismatch)
        try expectRefused(good, .keyMismatch, expectedKey: Array("127.0.0.1:8000/2.jpg".utf8))
        var bodyStart = good
        bodyStart[56] = 0xFF
        bodyStart[57] = 0xFF
        try expectRefused(bodyStart, .offsetsOutsideFile)
        var head = good
        let headerStart = Int(try CacheFileHeader(decoding: good).headerStart)
        head[headerStart] = UInt8(ascii: "X")  // "XTTP/1.1 200 OK"
        try expectRefused(head, .malformedStoredHead)
        #expect(throws: CacheFileError.missing) { try CacheFile(path: directory.path + "/nothing") }
        let levelDirectory = (path as NSString).deletingLastPathComponent
        #expect(throws: CacheFileError.notARegularFile) { try CacheFile(path: levelDirectory) }
        let link = directory.path + "/link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        #expect(throws: CacheFileError.notARegularFile) { try CacheFile(path: link, expectedKey: Self.key) }
    }

    private static func mode(of path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }
}
