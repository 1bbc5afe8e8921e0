import Foundation
import HTTPCore
import NginxCache
import Testing
import TestSupport
@testable import Step5Invalidation

@Suite("One cache directory, two programs: nginx serves what Step5Invalidation wrote and the other way round",
       .enabled(if: NginxServer.isInstalled, "nginx is not installed: apt-get install nginx-light"),
       .timeLimit(.minutes(2)))
struct InteropTests {
    /// The targets both programs store: the three images, a query variant and a response that sets a cookie.
    static let targets = ["/1.jpg", "/2.jpg", "/3.jpg", "/1.jpg?w=100", "/cookie.jpg"]

    /// An origin with the sample images, as Step1Origin serves them, under `targets`.
    static func makeOrigin() throws -> CountingOrigin {
        var routes: [String: HTTPResponse] = [:]
        for (index, target) in targets.enumerated() {
            let name = target == "/cookie.jpg" || target.hasPrefix("/1.jpg") ? "1.jpg" : String(target.dropFirst())
            let body = try SampleImages.bytes(name)
            var fields: HTTPFields = ["Content-Type": "image/jpeg", "Last-Modified": "Tue, 14 Nov 2023 22:13:2\(index) GMT",
                                      "ETag": "\"\(index)-\(body.count)\"", "Accept-Ranges": "bytes"]
            if target == "/cookie.jpg" { fields.append(name: "Set-Cookie", value: "seen=1; Path=/") }
            routes[target] = HTTPResponse(status: .ok, headerFields: fields, body: .bytes(body))
        }
        return try CountingOrigin(routes: routes)
    }

    /// An in-process Step5Invalidation in front of `upstream` with its cache in `cacheDirectory`,
    /// loaded, its misses not coalesced (nginx's default) unless `coalesces`.
    static func startProxy(upstream: UpstreamAddress, cacheDirectory: String, coalesces: Bool = false) throws -> TestServer {
        var options = ProxyOptions()
        options.cacheDirectory = cacheDirectory
        let cache = options.makeCache()
        try cache.directory.createIfMissing()
        _ = try cache.load()
        let proxy = CachingProxy(upstream: upstream, upstreamTimeout: .seconds(10), policy: options.policy, cache: cache,
                                 sharedFetches: coalesces ? SharedFetches() : nil)
        return try TestServer(handler: proxy, configuration: ServerConfiguration(serverName: "Step5Invalidation", accessLog: .disabled))
    }

    /// A response's end-to-end fields, without those each server writes for itself, as sorted lines.
    static func endToEndFields(_ response: RawClient.Response) -> [String] {
        response.headerFields.removingHopByHopFields()
            .filter { !["Date", "Server"].contains(where: $0.name.equalsIgnoringASCIICase) }
            .map { "\($0.name.lowercased()): \($0.value)" }
            .sorted()
    }

    @Test("nginx fills a cache directory and stops; Step5Invalidation on it answers HIT for each, with nginx's status, fields and body")
    func step5ServesWhatNginxWrote() throws {
        let origin = try Self.makeOrigin()
        let nginx = try NginxServer(locationBody: NginxServer.workshopCacheLocation(upstream: origin.upstream))
        var nginxHits: [String: RawClient.Response] = [:]
        for target in Self.targets {
            for _ in 1...2 { _ = try RawClient(port: nginx.port).request(.get, target) }
            let hit = try RawClient(port: nginx.port).request(.get, target)
            #expect(hit.headerFields["X-Proxy-Cache"] == "HIT", "nginx did not store \(target)")
            nginxHits[target] = hit
        }
        nginx.stop()
        let asked = origin.requests.count

        let step5 = try Self.startProxy(upstream: origin.upstream, cacheDirectory: nginx.directory.path + "/cache")
        for target in Self.targets {
            let fromNginx = try #require(nginxHits[target])
            let fromStep5 = try RawClient(port: step5.port).request(.get, target)
            #expect(fromStep5.status == fromNginx.status)
            #expect(fromStep5.body == fromNginx.body, "\(target)")
            #expect(Self.endToEndFields(fromStep5) == Self.endToEndFields(fromNginx), "\(target)")
        }
        #expect(origin.requests.count == asked, "Step5Invalidation asked the origin instead of serving nginx's files")
    }

    @Test("Step5Invalidation fills a cache directory and stops; nginx on it answers HIT for each with the same bodies")
    func nginxServesWhatStep5Wrote() throws {
        let origin = try Self.makeOrigin()
        let nginx = try NginxServer(locationBody: NginxServer.workshopCacheLocation(upstream: origin.upstream))
        var bodies: [String: [UInt8]] = [:]
        do {
            let step5 = try Self.startProxy(upstream: origin.upstream, cacheDirectory: nginx.directory.path + "/cache")
            for target in Self.targets {
                for _ in 1...2 { _ = try RawClient(port: step5.port).request(.get, target) }
                let hit = try RawClient(port: step5.port).request(.get, target)
                #expect(hit.headerFields["X-Proxy-Cache"] == "HIT")
                bodies[target] = hit.body
            }
            step5.stop()
        }
        let asked = origin.requests.count
        for target in Self.targets {
            let fromNginx = try RawClient(port: nginx.port).request(.get, target)
            #expect(fromNginx.headerFields["X-Proxy-Cache"] == "HIT", "\(target)")
            #expect(fromNginx.body == bodies[target], "\(target)")
            #expect(fromNginx.headerFields["ETag"] != nil)
        }
        #expect(origin.requests.count == asked, "nginx asked the origin instead of serving Step5Invalidation's files")
    }

    /// One upstream response, as raw bytes, and what it shows.
    struct RawResponse: CustomTestStringConvertible, Sendable {
        let testDescription: String
        let bytes: [UInt8]

        init(_ description: String, head: String, body: [UInt8]) {
            testDescription = description
            bytes = Array(head.utf8) + body
        }

        static let image = try! SampleImages.bytes("1.jpg")
        static let all = [
            RawResponse("an image with ETag and Last-Modified", head: "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n"
                + "Content-Length: \(image.count)\r\nLast-Modified: Tue, 14 Nov 2023 22:13:20 GMT\r\nETag: \"6553f100-1559\"\r\n"
                + "Connection: close\r\n\r\n", body: image),
            RawResponse("no Last-Modified, no ETag", head: "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n"
                + "Content-Length: \(image.count)\r\nConnection: close\r\n\r\n", body: image),
            RawResponse("an ETag longer than the header's 128 bytes, a Last-Modified that is not a date",
                        head: "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: \(image.count)\r\n"
                            + "ETag: \"\(String(repeating: "e", count: 140))\"\r\nLast-Modified: yesterday\r\nConnection: close\r\n\r\n",
                        body: image),
            RawResponse("a chunked body", head: "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nTransfer-Encoding: chunked\r\n"
                + "Connection: close\r\n\r\n",
                        body: Array("1000\r\n".utf8) + image.prefix(4_096) + Array("\r\n\(String(image.count - 4_096, radix: 16))\r\n".utf8)
                            + image.dropFirst(4_096) + Array("\r\n0\r\n\r\n".utf8)),
        ]
    }

    @Test("For the same upstream response, both write the same bytes, but for the two time fields", arguments: RawResponse.all)
    func sameFileBytes(response: RawResponse) throws {
        // The same bytes whoever asks, then the close: nginx asks with HTTP/1.0 and Step5Invalidation
        // with HTTP/1.1, and a real origin answers each in its own version (and with its own
        // Connection field), which the stored head would keep. This origin does not, so that
        // any difference in the files is the programs'.
        let origin = try RawOrigin { connection, _ in
            guard connection.readRequestLine() != nil else { return }
            _ = connection.write(response.bytes)
        }
        let upstream = origin.upstream
        let nginx = try NginxServer(locationBody: NginxServer.workshopCacheLocation(upstream: upstream))
        let directory = try TemporaryDirectory()
        let step5 = try Self.startProxy(upstream: upstream, cacheDirectory: directory.path + "/cache")
        for port in [nginx.port, step5.port] {
            for _ in 1...2 { _ = try RawClient(port: port).request(.get, "/1.jpg") }
            let hit = try RawClient(port: port).request(.get, "/1.jpg")
            #expect(hit.headerFields["X-Proxy-Cache"] == "HIT")
            #expect(hit.body == RawResponse.image)
        }
        let relative = CacheLevels.oneTwo.relativePath(ofFileNamed: MD5(Array("127.0.0.1:\(origin.port)/1.jpg".utf8)).hex)
        let written = try #require(FileManager.default.contents(atPath: directory.path + "/cache/" + relative).map(Array.init))
        let nginxWritten = try #require(FileManager.default.contents(atPath: nginx.directory.path + "/cache/" + relative).map(Array.init))
        #expect(written.count == nginxWritten.count)
        // valid_sec (8..<16) and date (40..<48) are when each received the response.
        let timeFields = [8..<16, 40..<48]
        let differing = (0..<min(written.count, nginxWritten.count)).filter { index in
            written[index] != nginxWritten[index] && !timeFields.contains { $0.contains(index) }
        }
        #expect(differing.isEmpty, "bytes differ at \(differing.prefix(20))")
        let ours = try CacheFileHeader(decoding: written), theirs = try CacheFileHeader(decoding: nginxWritten)
        #expect(ours.validUntil - ours.date == theirs.validUntil - theirs.date)
    }
}
