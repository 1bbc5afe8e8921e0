import Foundation
import Synchronization
import HTTPCore
import NginxCache
import Testing
import TestSupport
@testable import Step5Invalidation

@Suite("Entries live in nginx's files: where, how they are written, and what survives a restart", .timeLimit(.minutes(1)))
struct DiskCacheTests {
    @Test("MISS, MISS, HIT: the second answer becomes DIR/<last hex>/<two before>/<md5 of the key>, 0600 in 0700 directories")
    func fileAppearsAtTheMD5Path() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let key = "127.0.0.1:\(origin.port)/1.jpg"
        let name = MD5(Array(key.utf8)).hex
        let relative = "\(name.suffix(1))/\(name.dropLast().suffix(2))/\(name)"
        _ = try fixture.request(.get, "/1.jpg")
        #expect(fixture.files.isEmpty)
        _ = try fixture.request(.get, "/1.jpg")
        #expect(fixture.files == [relative])
        #expect(try fixture.request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "HIT")
        let attributes = try FileManager.default.attributesOfItem(atPath: fixture.cachePath + "/" + relative)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        for directory in [String(name.suffix(1)), "\(name.suffix(1))/\(name.dropLast().suffix(2))"] {
            let directoryAttributes = try FileManager.default.attributesOfItem(atPath: fixture.cachePath + "/" + directory)
            #expect((directoryAttributes[.posixPermissions] as? Int) == 0o700)
        }
    }

    @Test("The file holds the header nginx writes, the key line, the upstream's head as received and the body")
    func fileFormat() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let before = Int64(Date().timeIntervalSince1970)
        _ = try fixture.cacheStatuses(of: "/1.jpg", count: 2)
        let bytes = try #require(FileManager.default.contents(atPath: fixture.path(of: "/1.jpg", upstream: origin.upstream)))
        let file = Array(bytes)
        let header = try CacheFileHeader(decoding: file)
        let key = Array("127.0.0.1:\(origin.port)/1.jpg".utf8)
        #expect(header.keyChecksum == CRC32.checksum(key))
        #expect(try CacheKeyLine.key(in: file, header: header) == key)
        #expect(header.date >= before && header.date <= before + 5)
        #expect(header.validUntil == header.date + 3_600)  // --valid 60m
        #expect(header.lastModified == HTTPDate.parse("Tue, 14 Nov 2023 22:13:20 GMT"))
        #expect(header.entityTag == Array("\"6553f100-1559\"".utf8))
        let head = String(decoding: file[Int(header.headerStart)..<Int(header.bodyStart)], as: UTF8.self)
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(head.contains("\r\nETag: \"6553f100-1559\"\r\n"))
        #expect(head.contains("\r\nContent-Length: 5465\r\n"))
        #expect(head.hasSuffix("\r\n\r\n"))
        #expect(Array(file[Int(header.bodyStart)...]).isTheImage)
    }

    @Test("A chunked upstream body is stored decoded, under the head as received, and served with its length")
    func chunkedBody() throws {
        let origin = try CountingOrigin { _ in
            HTTPResponse(status: .ok, headerFields: ["Content-Type": "image/jpeg"],
                         body: .stream(count: nil) { write in
                             try write(ProxyFixture.image[..<1_000])
                             try write(ProxyFixture.image[1_000...])
                         })
        }
        let fixture = try ProxyFixture(upstream: origin.upstream)
        _ = try fixture.cacheStatuses(of: "/1.jpg", count: 2)
        #expect(fixture.storedBody(of: "/1.jpg", upstream: origin.upstream)?.isTheImage == true)
        let hit = try fixture.request(.get, "/1.jpg")
        #expect(hit.headerFields["X-Proxy-Cache"] == "HIT")
        #expect(hit.headerFields["Content-Length"] == "5465")
        #expect(hit.headerFields["Transfer-Encoding"] == nil)
        #expect(hit.body.isTheImage)
    }

    @Test("Entries stored before a restart are HITs after it; use counts of keys never stored are forgotten")
    func restartKeepsEntries() throws {
        let origin = try CountingOrigin(routes: ["/1.jpg": ProxyFixture.imageResponse(), "/2.jpg": ProxyFixture.imageResponse()])
        let directory = try TemporaryDirectory()
        do {
            let before = try ProxyFixture(upstream: origin.upstream, directory: directory)
            #expect(try before.cacheStatuses(of: "/1.jpg", count: 2) == ["MISS", "MISS"])
            #expect(try before.cacheStatuses(of: "/2.jpg", count: 1) == ["MISS"])
        }
        let after = try ProxyFixture(upstream: origin.upstream, directory: directory)
        #expect(after.proxy.cache.count == 1)
        let hit = try after.request(.get, "/1.jpg")
        #expect(hit.headerFields["X-Proxy-Cache"] == "HIT")
        #expect(hit.body.isTheImage)
        #expect(origin.count(of: "/1.jpg") == 2)
        // /2.jpg was used once before the restart: as in nginx, that count is gone.
        #expect(try after.cacheStatuses(of: "/2.jpg", count: 3) == ["MISS", "MISS", "HIT"])
    }

    @Test("Before the loader has run, a key with a file on disk is a HIT at once, as nginx's cold cache is")
    func coldCacheLooksAtTheFile() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let directory = try TemporaryDirectory()
        do {
            let before = try ProxyFixture(upstream: origin.upstream, directory: directory)
            _ = try before.cacheStatuses(of: "/1.jpg", count: 2)
        }
        var options = ProxyOptions()
        options.cacheDirectory = directory.path + "/cache"
        let cache = options.makeCache(report: { _ in })  // never loaded: cold
        let proxy = CachingProxy(upstream: origin.upstream, upstreamTimeout: .seconds(10), policy: options.policy, cache: cache)
        let server = try TestServer(handler: proxy)
        let hit = try RawClient(port: server.port).request(.get, "/1.jpg")
        #expect(hit.headerFields["X-Proxy-Cache"] == "HIT")
        #expect(hit.body.isTheImage)
        #expect(cache.count == 1)
        #expect(origin.count(of: "/1.jpg") == 2)
    }

    @Test("A body that breaks off leaves no file and no temporary file, and the client sees it incomplete")
    func truncatedBodyLeavesNothing() throws {
        let origin = try CountingOrigin { _ in
            CountingOrigin.truncatedResponse(headerFields: ["Content-Type": "image/jpeg"],
                                             body: Array(ProxyFixture.image.prefix(2_000)), announcedLength: ProxyFixture.image.count)
        }
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.minUses = 1 }
        let client = try RawClient(port: fixture.port)
        try client.send("GET /1.jpg HTTP/1.1\r\nHost: test\r\n\r\n")
        let received = try client.readUntilClose()
        #expect(received.count < ProxyFixture.image.count)
        #expect(fixture.files.isEmpty)
        #expect(fixture.proxy.cache.count == 0)
    }

    @Test("Twenty concurrent misses of one key each write their own file; one complete entry remains, no temporary file")
    func concurrentMisses() throws {
        let origin = try ProxyFixture.makeImageOrigin(delay: .milliseconds(50))
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.minUses = 1 }
        let port = fixture.port
        let bodies = Mutex<[[UInt8]]>([])
        DispatchQueue.concurrentPerform(iterations: 20) { _ in
            if let response = try? RawClient(port: port).request(.get, "/1.jpg") {
                bodies.withLock { $0.append(response.body) }
            }
        }
        #expect(bodies.withLock { $0.count == 20 && $0.allSatisfy(\.isTheImage) })
        #expect(fixture.files.count == 1)
        #expect(fixture.storedBody(of: "/1.jpg", upstream: origin.upstream)?.isTheImage == true)
        #expect(fixture.proxy.cache.count == 1)
        #expect(try fixture.request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "HIT")
    }

    @Test("The loader removes temporary files of unfinished writes and invalid files, and reports each once")
    func loaderCleansUp() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let directory = try TemporaryDirectory()
        let path: String
        do {
            let before = try ProxyFixture(upstream: origin.upstream, directory: directory)
            _ = try before.cacheStatuses(of: "/1.jpg", count: 2)
            path = before.path(of: "/1.jpg", upstream: origin.upstream)
        }
        let temporary = path + ".0000000007"
        try Data("half a write".utf8).write(to: URL(fileURLWithPath: temporary))
        let name = String(repeating: "0", count: 31) + "5"
        let invalid = directory.path + "/cache/5/7f/" + name.dropLast(3) + "7f5"
        try FileManager.default.createDirectory(atPath: directory.path + "/cache/5/7f", withIntermediateDirectories: true)
        try Data("not a cache file".utf8).write(to: URL(fileURLWithPath: invalid))
        let after = try ProxyFixture(upstream: origin.upstream, directory: directory)
        #expect(!FileManager.default.fileExists(atPath: temporary))
        #expect(!FileManager.default.fileExists(atPath: invalid))
        #expect(after.proxy.cache.count == 1)
        #expect(after.reports.all.count == 2)
        #expect(after.reports.all.contains { $0.contains("temporary file of an unfinished write") })
        #expect(try after.request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "HIT")
    }

    @Test("The start-up line counts entries, megabytes, time and removed files")
    func loadSummary() {
        var report = ResponseCache.LoadReport()
        report.entries = 1_204
        report.bytes = 73_100_000
        report.removed = 2
        report.duration = .milliseconds(41)
        #expect(report.summary(directory: "cache") == "cache: 1,204 entries, 73.1 MB, loaded from cache in 41 ms; removed 2 invalid files")
        report = ResponseCache.LoadReport()
        report.entries = 1
        report.bytes = 8_192
        #expect(report.summary(directory: "/var/cache") == "cache: 1 entry, 0.0 MB, loaded from /var/cache in 0 ms")
    }
}
