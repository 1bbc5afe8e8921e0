import Foundation
import HTTPCore
import NginxCache
import Testing
import TestSupport
@testable import Step5Invalidation

@Suite("Nothing on disk is trusted: a file that vanished or fails a check is a MISS that refills it", .timeLimit(.minutes(1)))
struct UntrustedFileTests {
    /// A damage done to a stored entry's file, by hand or by another program.
    struct Damage: CustomTestStringConvertible, Sendable {
        let testDescription: String
        let apply: @Sendable (_ path: String, _ bytes: inout [UInt8]) throws -> Void
    }

    static let damages: [Damage] = [
        Damage(testDescription: "deleted") { path, _ in try FileManager.default.removeItem(atPath: path) },
        Damage(testDescription: "body cut short") { _, bytes in bytes.removeLast(100) },
        Damage(testDescription: "body longer than its Content-Length") { _, bytes in bytes += [0, 0, 0] },
        Damage(testDescription: "version 4") { _, bytes in bytes[0] = 4 },
        Damage(testDescription: "crc32 changed") { _, bytes in bytes[48] ^= 0xFF },
        Damage(testDescription: "another key in the key line") { _, bytes in
            let keyStart = CacheFileHeader.size + 6
            bytes[keyStart] = UInt8(ascii: "9")  // 127.0.0.1… becomes 927.0.0.1…, crc32 fixed up
            let header = try CacheFileHeader(decoding: bytes)
            let key = try CacheKeyLine.key(in: bytes, header: header)
            var fixed = header
            fixed.keyChecksum = CRC32.checksum(key)
            bytes.replaceSubrange(0..<CacheFileHeader.size, with: fixed.encoded())
        },
        Damage(testDescription: "body_start beyond the file") { _, bytes in
            bytes[56] = 0xFF
            bytes[57] = 0xFF
        },
        Damage(testDescription: "header_start inside the header") { _, bytes in
            bytes[54] = 10
            bytes[55] = 0
        },
        Damage(testDescription: "the stored head cut in half") { _, bytes in
            let header = try CacheFileHeader(decoding: bytes)
            let middle = (Int(header.headerStart) + Int(header.bodyStart)) / 2
            bytes.replaceSubrange(middle..<Int(header.bodyStart), with: [UInt8](repeating: UInt8(ascii: "x"), count: Int(header.bodyStart) - middle))
        },
        Damage(testDescription: "only the header left") { _, bytes in bytes.removeLast(bytes.count - 100) },
        Damage(testDescription: "a symlink to a valid file") { path, _ in
            try FileManager.default.moveItem(atPath: path, toPath: path + "-elsewhere")
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: path + "-elsewhere")
        },
    ]

    @Test("A damaged entry is never served: MISS, then the refilled file is a HIT", arguments: damages)
    func damagedEntryIsRefilled(damage: Damage) throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        _ = try fixture.cacheStatuses(of: "/1.jpg", count: 2)
        let path = fixture.path(of: "/1.jpg", upstream: origin.upstream)
        var bytes = try #require(FileManager.default.contents(atPath: path).map(Array.init))
        try damage.apply(path, &bytes)
        if FileManager.default.fileExists(atPath: path), (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) == nil {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        let miss = try fixture.request(.get, "/1.jpg")
        #expect(miss.headerFields["X-Proxy-Cache"] == "MISS")
        #expect(miss.body.isTheImage)
        let hit = try fixture.request(.get, "/1.jpg")
        #expect(hit.headerFields["X-Proxy-Cache"] == "HIT")
        #expect(hit.body.isTheImage)
        #expect(origin.count(of: "/1.jpg") == 3)
        // A deleted file is not worth a report; every other damage is reported once.
        #expect(fixture.reports.all.count == (damage.testDescription == "deleted" ? 0 : 1), "\(fixture.reports.all)")
    }

    @Test("A directory where the entry's file belongs: every request is a MISS, answered; both problems reported once")
    func directoryWhereAFileBelongs() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        _ = try fixture.cacheStatuses(of: "/1.jpg", count: 2)
        let path = fixture.path(of: "/1.jpg", upstream: origin.upstream)
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        _ = try fixture.request(.get, "/1.jpg")  // finds the entry's file gone: MISS, and the store fails
        for _ in 1...3 {
            let response = try fixture.request(.get, "/1.jpg")
            #expect(response.headerFields["X-Proxy-Cache"] == "MISS")
            #expect(response.body.isTheImage)
        }
        #expect(fixture.proxy.cache.count == 0)
        // Found not to be a file once, then each store's rename fails the same way: two lines.
        #expect(fixture.reports.all.count == 2, "\(fixture.reports.all)")
        // The store never leaves its temporary file behind.
        #expect(fixture.files.isEmpty)
    }
}
