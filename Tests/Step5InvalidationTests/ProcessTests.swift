import Dispatch
import Foundation
import Synchronization
import HTTPCore
import NginxCache
import Testing
import TestSupport
@testable import Step5Invalidation

/// The built `Step5Invalidation` executable, run as a real process: crashes, restarts, full disks.
@Suite("Step5Invalidation as a process", .timeLimit(.minutes(2)))
struct ProcessTests {
    /// The sample image as large as the biggest of the workshop's (3.jpg).
    private static let largeImage = try! SampleImages.bytes("3.jpg")

    /// Polls `condition` for up to five seconds.
    private static func eventually(_ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return condition()
    }

    @Test("kill -9 in the middle of storing a 3.jpg-sized body leaves only a temporary file, which the next start removes")
    func killedWhileStoring() throws {
        let image = Self.largeImage
        // The first connection sends half the body and then waits; later ones send it all.
        let origin = try RawOrigin { connection, number in
            guard connection.readRequestLine() != nil else { return }
            let head = "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: \(image.count)\r\n\r\n"
            _ = connection.write(head)
            if number == 0 {
                _ = connection.write(Array(image.prefix(image.count / 2)))
                Thread.sleep(forTimeInterval: 10)
            } else {
                _ = connection.write(image)
            }
        }
        let directory = try TemporaryDirectory()
        let cache = directory.path + "/cache"
        let arguments = ["--upstream", "http://127.0.0.1:\(origin.port)", "--cache-dir", cache, "--min-uses", "1", "--admin-port", "0"]
        let first = try ServerProcess(product: "Step5Invalidation", arguments: arguments)
        let client = try RawClient(port: first.port)
        try client.send("GET /3.jpg HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(Self.eventually { FileTree.files(under: cache).contains { $0.contains(".") } }, "no temporary file appeared")
        first.send(SIGKILL)
        _ = first.waitForExit(timeout: .seconds(5))
        let left = FileTree.files(under: cache)
        #expect(left.count == 1 && left[0].contains("."), "\(left)")

        let second = try ServerProcess(product: "Step5Invalidation", arguments: arguments)
        let summary = second.waitForOutputLine(containing: "cache: ")
        #expect(summary?.contains("0 entries") == true, "\(summary ?? second.output)")
        #expect(summary?.contains("removed 1 invalid file") == true, "\(summary ?? second.output)")
        #expect(FileTree.files(under: cache).isEmpty)
        let miss = try RawClient(port: second.port).request(.get, "/3.jpg")
        #expect(miss.headerFields["X-Proxy-Cache"] == "MISS")
        #expect(miss.body == image)
        let hit = try RawClient(port: second.port).request(.get, "/3.jpg")
        #expect(hit.headerFields["X-Proxy-Cache"] == "HIT")
        #expect(hit.body == image)
    }

    @Test("Past a file-size limit (a full disk), the client still gets the image and no file is left; small ones are stored")
    func fileSizeLimit() throws {
        let large = Self.largeImage
        let small = try SampleImages.bytes("1.jpg")
        let origin = try CountingOrigin(routes: [
            "/3.jpg": HTTPResponse(status: .ok, headerFields: ["Content-Type": "image/jpeg"], body: .bytes(large)),
            "/1.jpg": HTTPResponse(status: .ok, headerFields: ["Content-Type": "image/jpeg"], body: .bytes(small)),
        ])
        let directory = try TemporaryDirectory()
        let cache = directory.path + "/cache"
        let product = try #require(ServerProcess.findProductDirectory(containing: "Step5Invalidation"))
        // dash's `ulimit -f` counts 512-byte blocks: 64 KiB per file, then EFBIG.
        let proxy = try ServerProcess(executable: "/bin/sh", arguments: [
            "-c", "ulimit -f 128 && exec \"$0\" \"$@\" 2>&1", product + "/Step5Invalidation",
            "--upstream", "http://127.0.0.1:\(origin.port)", "--cache-dir", cache, "--min-uses", "1",
            "--admin-port", "0", "--no-store-set-cookie",  // no start-up warning before the address line
        ])
        for _ in 1...2 {
            let response = try RawClient(port: proxy.port).request(.get, "/3.jpg")
            #expect(response.status == 200)
            #expect(response.headerFields["X-Proxy-Cache"] == "MISS")
            #expect(response.body == large)
        }
        #expect(FileTree.files(under: cache).isEmpty)
        #expect(proxy.waitForOutputLine(containing: "cannot write an entry: write: File too large") != nil, "\(proxy.output)")
        #expect(try RawClient(port: proxy.port).request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "MISS")
        #expect(try RawClient(port: proxy.port).request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "HIT")
        #expect(FileTree.files(under: cache).count == 1)
    }

    @Test("The cache manager deletes the file of a key unused for --inactive, with no request arriving")
    func inactiveSweepWithoutRequests() throws {
        let origin = try CountingOrigin(routes: ["/1.jpg": HTTPResponse(status: .ok, headerFields: [:],
                                                                        body: .bytes(try SampleImages.bytes("1.jpg")))])
        let directory = try TemporaryDirectory()
        let cache = directory.path + "/cache"
        let proxy = try ServerProcess(product: "Step5Invalidation", arguments: [
            "--upstream", "http://127.0.0.1:\(origin.port)", "--cache-dir", cache, "--min-uses", "1", "--inactive", "1s",
            "--admin-port", "0",
        ])
        _ = try RawClient(port: proxy.port).request(.get, "/1.jpg")
        #expect(FileTree.files(under: cache).count == 1)
        #expect(Self.eventually { FileTree.files(under: cache).isEmpty }, "the file outlived --inactive 1s by five seconds")
    }

    @Test("A missing --cache-dir is created with mode 0700; the start-up line names it")
    func createsTheCacheDirectory() throws {
        let directory = try TemporaryDirectory()
        let cache = directory.path + "/a/b/cache"
        let proxy = try ServerProcess(product: "Step5Invalidation", arguments: ["--cache-dir", cache, "--admin-port", "0"])
        let summary = proxy.waitForOutputLine(containing: "cache: ")
        #expect(summary?.hasPrefix("cache: 0 entries, 0.0 MB, loaded from \(cache) in ") == true, "\(proxy.output)")
        let attributes = try FileManager.default.attributesOfItem(atPath: cache)
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
    }

    @Test("kill -9 during invalidations, five times over: every acknowledged record is in the history after the restart")
    func killDuringInvalidations() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let directory = try TemporaryDirectory()
        let tokenFile = directory.path + "/token"
        try "kill-test-token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let arguments = ["--upstream", "http://127.0.0.1:\(origin.port)", "--cache-dir", directory.path + "/cache",
                         "--admin-port", "0", "--token-file", tokenFile, "--no-store-set-cookie"]
        let acknowledged = Mutex<Set<String>>([])
        var counter = 0
        for _ in 1...5 {
            let proxy = try ServerProcess(product: "Step5Invalidation", arguments: arguments)
            let adminLine = try #require(proxy.waitForOutputLine(containing: "admin API on"))
            let adminPort = try #require(ServerProcess.port(inAddressLine: adminLine.replacingOccurrences(of: "admin API on", with: "listening on")))
            let stop = Atomic<Bool>(false)
            let group = DispatchGroup()
            let start = counter
            for client in 0..<4 {
                group.enter()
                Thread {
                    defer { group.leave() }
                    var number = start + client * 100_000
                    while !stop.load(ordering: .relaxed) {
                        number += 1
                        let hash = String(format: "%08x", number)
                        guard let connection = try? RawClient(port: adminPort, timeout: .seconds(2)),
                              let response = try? connection.request(.delete, "/invalidate?projectName=kill&latestCommitHash=\(hash)&urls=/1.jpg",
                                                                     headerFields: ["Authorization": "Bearer kill-test-token"])
                        else { return }
                        if response.status == 200 { acknowledged.withLock { _ = $0.insert(hash) } }
                    }
                }.start()
            }
            let before = acknowledged.withLock { $0.count }
            #expect(Self.eventually { acknowledged.withLock { $0.count } >= before + 20 })
            proxy.send(SIGKILL)
            stop.store(true, ordering: .relaxed)
            group.wait()
            _ = proxy.waitForExit(timeout: .seconds(5))
            counter += 1_000_000
        }
        let proxy = try ServerProcess(product: "Step5Invalidation", arguments: arguments)
        let adminLine = try #require(proxy.waitForOutputLine(containing: "admin API on"))
        let adminPort = try #require(ServerProcess.port(inAddressLine: adminLine.replacingOccurrences(of: "admin API on", with: "listening on")))
        let history = try RawClient(port: adminPort).request(.get, "/invalidations?projectName=kill&limit=1000",
                                                             headerFields: ["Authorization": "Bearer kill-test-token"])
        let recorded = Set(try JSONDecoder().decode([InvalidationRecord].self, from: Data(history.body)).map(\.commitHash))
        let lost = acknowledged.withLock { $0 }.subtracting(recorded)
        #expect(acknowledged.withLock { $0.count } >= 100)
        #expect(lost.isEmpty, "acknowledged but not in the history: \(lost.sorted())")
    }
}
