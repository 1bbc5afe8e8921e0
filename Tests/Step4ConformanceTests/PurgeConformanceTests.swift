import Foundation
import HTTPCore
import NginxCache
import Testing
import TestSupport
@testable import Step4Purge

@Suite("The cache tool on a directory real nginx serves, and PURGE beside nginx's cache-purge module",
       .enabled(if: NginxServer.isInstalled, "nginx is not installed: apt-get install nginx-light"),
       .timeLimit(.minutes(2)))
struct PurgeConformanceTests {
    static let targets = ["/1.jpg", "/2.jpg", "/a/1.jpg", "/a/2.jpg", "/1.jpg?w=100"]

    /// An nginx with the workshop's configuration in front of an origin serving the image at any
    /// target, each of `targets` stored (two GETs each: min-uses 2).
    static func filledNginx(serverContext: String = "", mainContext: String = "") throws -> (NginxServer, CountingOrigin) {
        let origin = try CountingOrigin { _ in
            HTTPResponse(status: .ok, headerFields: ["Content-Type": "image/jpeg"], body: .bytes(try! SampleImages.bytes("1.jpg")))
        }
        let nginx = try NginxServer(locationBody: NginxServer.workshopCacheLocation(upstream: origin.upstream),
                                    mainContext: mainContext, serverContext: serverContext)
        for target in targets {
            for _ in 1...2 { _ = try RawClient(port: nginx.port).request(.get, target) }
        }
        #expect(nginx.waitForCacheFiles(targets.count).count == targets.count)
        return (nginx, origin)
    }

    private func cacheStatus(_ nginx: NginxServer, _ target: String) throws -> String? {
        try RawClient(port: nginx.port).request(.get, target).headerFields["X-Proxy-Cache"]
    }

    @Test("purge KEY on nginx's directory: nginx's next GET is a MISS that refills, then a HIT")
    func purgeKeyUnderNginx() throws {
        let (nginx, origin) = try Self.filledNginx()
        let key = "127.0.0.1:\(origin.port)/1.jpg"
        let run = try ToolRun.tool(["purge", "--cache-dir", nginx.directory.path + "/cache", key])
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.hasPrefix("deleted \(key) ("))
        #expect(try cacheStatus(nginx, "/1.jpg") == "MISS")
        #expect(try cacheStatus(nginx, "/1.jpg") == "HIT")
        #expect(try cacheStatus(nginx, "/2.jpg") == "HIT")
    }

    @Test("purge --prefix and --regex on nginx's directory delete exactly the matching files", arguments: [
        ("--prefix", "/a/", ["/a/1.jpg", "/a/2.jpg"]),
        ("--regex", #"\?w="#, ["/1.jpg?w=100"]),
    ])
    func purgePatternUnderNginx(option: String, value: String, purged: [String]) throws {
        let (nginx, origin) = try Self.filledNginx()
        let host = "127.0.0.1:\(origin.port)"
        let run = try ToolRun.tool(["purge", "--cache-dir", nginx.directory.path + "/cache", option,
                                    option == "--prefix" ? host + value : value])
        #expect(run.status == 0, "\(run.errors)")
        #expect(nginx.cacheFiles.count == Self.targets.count - purged.count)
        for target in Self.targets {
            #expect(try cacheStatus(nginx, target) == (purged.contains(target) ? "MISS" : "HIT"), "\(target)")
        }
    }

    @Test("inspect prints the keys nginx wrote, a key whose crc32 holds a newline byte included")
    func inspectNginxFiles() throws {
        let origin = try CountingOrigin { _ in .text(.ok, "x") }
        let host = "127.0.0.1:\(origin.port)"
        let awkward = try #require((0..<100_000).lazy.map { "/k?n=\($0)" }.first { target in
            withUnsafeBytes(of: CRC32.checksum(Array((host + target).utf8)).littleEndian) { $0.contains(0x0A) }
        })
        let nginx = try NginxServer(locationBody: NginxServer.workshopCacheLocation(upstream: origin.upstream))
        for target in ["/1.jpg", awkward] {
            for _ in 1...2 { _ = try RawClient(port: nginx.port).request(.get, target) }
        }
        #expect(nginx.waitForCacheFiles(2).count == 2)
        let run = try ToolRun.tool(["inspect", nginx.directory.path + "/cache"])
        #expect(run.status == 0, "\(run.output)")
        let keys = run.output.split(separator: "\n").filter { $0.hasPrefix("key: ") }.map { String($0.dropFirst(5)) }
        #expect(keys.sorted() == [host + "/1.jpg", host + awkward].sorted())
        // nginx speaks HTTP/1.0 to its upstream; the stored status line is the origin's answer.
        #expect(run.output.contains("status: HTTP/1.1 200 OK"))
    }

    @Test("watch on nginx's directory reports the entries nginx stores and the ones purge deletes")
    func watchNginx() throws {
        let origin = try CountingOrigin { _ in .text(.ok, "x") }
        let host = "127.0.0.1:\(origin.port)"
        let nginx = try NginxServer(locationBody: NginxServer.workshopCacheLocation(upstream: origin.upstream))
        let cache = nginx.directory.path + "/cache"
        let watcher = try ToolRun.start(["watch", cache])
        defer { watcher.stop() }
        #expect(watcher.waitForLines(1).first == "watching \(cache): 0 entries")
        for _ in 1...2 { _ = try RawClient(port: nginx.port).request(.get, "/w.jpg") }
        #expect(watcher.waitForLines(2).last?.hasPrefix("stored \(host)/w.jpg (") == true, "\(watcher.lines)")
        _ = try ToolRun.tool(["purge", "--cache-dir", cache, host + "/w.jpg"])
        #expect(watcher.waitForLines(3).last?.hasPrefix("removed \(host)/w.jpg (") == true, "\(watcher.lines)")
    }

    @Test("PURGE answers as nginx's cache-purge module does: 200 for a cached key, 404 for one that is not",
          .enabled(if: NginxServer.cachePurgeModule != nil, "apt-get install libnginx-mod-http-cache-purge"))
    func purgeBesideTheModule() throws {
        let module = try #require(NginxServer.cachePurgeModule)
        let origin = try CountingOrigin { _ in
            HTTPResponse(status: .ok, headerFields: ["Content-Type": "image/jpeg"], body: .bytes(try! SampleImages.bytes("1.jpg")))
        }
        // The module's separate-location syntax (the same-location one crashes nginx 1.22 on a miss):
        // GET /purge/1.jpg purges the key of /1.jpg.
        let nginx = try NginxServer(
            locationBody: NginxServer.workshopCacheLocation(upstream: origin.upstream),
            mainContext: "load_module \(module);",
            serverContext: "location ~ ^/purge(/.*)$ { proxy_cache_purge my_cache \"\(origin.upstream.proxyHost)$1$is_args$args\"; }")
        let directory = try TemporaryDirectory()
        let step4 = try InteropTests.startProxy(upstream: origin.upstream, cacheDirectory: directory.path + "/cache")
        for port in [nginx.port, step4.port] {
            for _ in 1...2 { _ = try RawClient(port: port).request(.get, "/1.jpg") }
        }
        #expect(nginx.waitForCacheFiles(1).count == 1)
        let module200 = try RawClient(port: nginx.port).request(.get, "/purge/1.jpg")
        let ours200 = try RawClient(port: step4.port).request(.purge, "/1.jpg")
        #expect(module200.status == 200)
        #expect(ours200.status == module200.status)
        #expect(module200.bodyText.contains("Successful purge"))
        let module404 = try RawClient(port: nginx.port).request(.get, "/purge/never.jpg")
        let ours404 = try RawClient(port: step4.port).request(.purge, "/never.jpg")
        #expect(module404.status == 404)
        #expect(ours404.status == module404.status)
        // Both keep the use count: one MISS refills, then a HIT.
        for port in [nginx.port, step4.port] {
            #expect(try RawClient(port: port).request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "MISS")
            #expect(try RawClient(port: port).request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "HIT")
        }
    }
}

/// The built `Step4Purge` run as the cache tool.
enum ToolRun {
    static var executable: String {
        get throws { try #require(ServerProcess.findProductDirectory(containing: "Step4Purge")) + "/Step4Purge" }
    }

    /// Runs `Step4Purge arguments` to completion.
    static func tool(_ arguments: [String]) throws -> CommandRun {
        try CommandRun.run(product: "Step4Purge", arguments)
    }

    /// `Step4Purge arguments` running in the background, its output lines readable as they come.
    final class Background {
        private let process = Process()
        private let outputPath: String
        private let directory: TemporaryDirectory

        init(_ arguments: [String]) throws {
            directory = try TemporaryDirectory()
            outputPath = directory.path + "/out"
            _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
            process.executableURL = URL(fileURLWithPath: try ToolRun.executable)
            process.arguments = arguments
            process.standardOutput = FileHandle(forWritingAtPath: outputPath)
            try process.run()
        }

        var lines: [String] {
            ((try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        /// The lines once there are at least `count` (or after five seconds).
        func waitForLines(_ count: Int) -> [String] {
            let deadline = ContinuousClock.now + .seconds(5)
            while lines.count < count, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.02) }
            return lines
        }

        func stop() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGINT)
            process.waitUntilExit()
        }

        deinit { stop() }
    }

    static func start(_ arguments: [String]) throws -> Background {
        try Background(arguments)
    }
}
