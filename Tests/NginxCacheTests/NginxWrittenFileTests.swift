import Foundation
import HTTPCore
import NginxCache
import Testing
import TestSupport

@Suite("Files real nginx writes read back with this library",
       .enabled(if: NginxServer.isInstalled, "nginx is not installed: apt-get install nginx-light"),
       .timeLimit(.minutes(1)))
struct NginxWrittenFileTests {
    @Test("nginx's entry for an image: the md5 path, the header fields, the key line and the body")
    func readsAnEntryNginxWrote() throws {
        let image = try SampleImages.bytes("1.jpg")
        let lastModified = "Tue, 14 Nov 2023 22:13:20 GMT"
        let origin = try CountingOrigin { _ in
            HTTPResponse(status: .ok, headerFields: ["Content-Type": "image/jpeg", "Last-Modified": lastModified,
                                                     "ETag": "\"6553f100-1559\""], body: .bytes(image))
        }
        let nginx = try NginxServer(locationBody: NginxServer.workshopCacheLocation(upstream: origin.upstream))
        for _ in 1...2 {  // min-uses 2: the second answer is stored
            let response = try RawClient(port: nginx.port).request(.get, "/1.jpg", headerFields: [:], body: [])
            #expect(response.status == 200)
        }
        let key = "127.0.0.1:\(origin.port)/1.jpg"
        let path = nginx.directory.path + "/cache/" + CacheLevels.oneTwo.relativePath(ofFileNamed: MD5(key).hex)
        // nginx renames the entry into place once the response is complete; give it a moment.
        let deadline = ContinuousClock.now + .seconds(5)
        while !FileManager.default.fileExists(atPath: path), ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
        let file = try #require(FileManager.default.contents(atPath: path).map { Array($0) }, "no file at \(path)")

        let header = try CacheFileHeader(decoding: file)
        let keyBytes = Array(key.utf8)
        #expect(header.keyChecksum == CRC32.checksum(keyBytes))
        #expect(try CacheKeyLine.key(in: file, header: header) == keyBytes)
        #expect(Int(header.headerStart) == CacheFileHeader.size + 6 + keyBytes.count + 1)
        #expect(header.lastModified == HTTPDate.parse(lastModified))
        #expect(header.entityTag == Array("\"6553f100-1559\"".utf8))
        #expect(header.validUntil - header.date == 3_600)  // proxy_cache_valid 200 60m
        #expect(header.vary.isEmpty && header.variant.allSatisfy { $0 == 0 })
        // The stored head is the origin's, as received; the body follows it, byte for byte.
        let storedHead = String(decoding: file[Int(header.headerStart)..<Int(header.bodyStart)], as: UTF8.self)
        #expect(storedHead.hasPrefix("HTTP/1.0 200 OK\r\n") || storedHead.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(storedHead.hasSuffix("\r\n\r\n"))
        #expect(Array(file[Int(header.bodyStart)...]) == image)
        // The loader finds it too, and nothing else in nginx's directory.
        let report = try CacheLoader.load(directory: CacheDirectory(path: nginx.directory.path + "/cache"), removingInvalidFiles: false)
        #expect(report.entries.map(\.path) == [path])
        #expect(report.removed.isEmpty && report.strays.isEmpty)
    }
}

@Suite("Files this library writes are served by real nginx",
       .enabled(if: NginxServer.isInstalled, "nginx is not installed: apt-get install nginx-light"),
       .timeLimit(.minutes(1)))
struct NginxReadsOurFilesTests {
    @Test("An entry written here is a HIT in nginx, with the same body and fields, the origin never asked")
    func nginxServesAnEntryWrittenHere() throws {
        let image = try SampleImages.bytes("2.jpg")
        let origin = try CountingOrigin { _ in .text(.ok, "from the origin") }
        let nginx = try NginxServer(locationBody: NginxServer.workshopCacheLocation(upstream: origin.upstream))
        let key = Array("127.0.0.1:\(origin.port)/2.jpg".utf8)
        let now = Int64(Date().timeIntervalSince1970)
        var header = CacheFileHeader(validUntil: now + 3_600, lastModified: -1, date: now, keyChecksum: 0,
                                     headerStart: 0, bodyStart: 0)
        header.entityTag = Array("\"written-here\"".utf8)
        let storedHead = Array(("HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: \(image.count)\r\n"
            + "ETag: \"written-here\"\r\n\r\n").utf8)
        let pending = try PendingCacheFile(cacheDirectory: nginx.directory.path + "/cache", levels: .oneTwo, key: key,
                                           header: header, storedHead: storedHead)
        try pending.append(image)
        try pending.commit()

        let response = try RawClient(port: nginx.port).request(.get, "/2.jpg", headerFields: [:], body: [])
        #expect(response.headerFields["X-Proxy-Cache"] == "HIT")
        #expect(response.body == image)
        #expect(response.headerFields["ETag"] == "\"written-here\"")
        #expect(response.headerFields["Content-Type"] == "image/jpeg")
        #expect(origin.requests.isEmpty)
    }
}
