import Foundation
import HTTPCore
import NginxCache
import Testing
import TestSupport
@testable import Step5Invalidation

/// The built `Step5Invalidation` run as the cache tool: `inspect`, `purge`, `watch`.
@Suite("The cache tool: inspect, purge and watch a cache directory", .timeLimit(.minutes(2)))
struct ToolTests {
    /// Runs `Step5Invalidation arguments` to completion.
    static func tool(_ arguments: [String]) throws -> CommandRun {
        try CommandRun.run(product: "Step5Invalidation", arguments)
    }

    /// A proxy whose cache holds `targets`, each stored once, and the origin's key prefix.
    static func filledCache(_ targets: [String]) throws -> (ProxyFixture, CountingOrigin, String) {
        let origin = try CountingOrigin { _ in ProxyFixture.imageResponse() }
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.minUses = 1 }
        for target in targets { _ = try fixture.request(.get, target) }
        return (fixture, origin, "127.0.0.1:\(origin.port)")
    }

    // MARK: - inspect

    @Test("inspect prints each entry's key, status, size, times and validators; exit 0")
    func inspectDirectory() throws {
        let (fixture, _, host) = try Self.filledCache(["/1.jpg", "/2.jpg"])
        let run = try Self.tool(["inspect", fixture.cachePath])
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.lines.filter { $0.hasPrefix("key: ") }.sorted() == ["key: \(host)/1.jpg", "key: \(host)/2.jpg"])
        #expect(run.lines.filter { $0 == "status: HTTP/1.1 200 OK" }.count == 2)
        #expect(run.lines.filter { $0 == "body: 5465 bytes" }.count == 2)
        #expect(run.lines.contains("last-modified: 2023-11-14T22:13:20Z"))
        #expect(run.lines.contains("etag: \"6553f100-1559\""))
        #expect(run.lines.contains { $0.hasPrefix("valid until: ") && $0.hasSuffix("(in 3600s)") || $0.hasSuffix("(in 3599s)") })
    }

    @Test("inspect --json prints one object per line; --headers adds the stored head")
    func inspectJSON() throws {
        let (fixture, origin, host) = try Self.filledCache(["/1.jpg"])
        let path = fixture.path(of: "/1.jpg", upstream: origin.upstream)
        let run = try Self.tool(["inspect", "--json", "--headers", path])
        #expect(run.status == 0)
        #expect(run.lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.lines[0].utf8)) as? [String: Any])
        #expect(object["key"] as? String == "\(host)/1.jpg")
        #expect(object["file"] as? String == path)
        #expect(object["status"] as? Int == 200)
        #expect(object["bodySize"] as? Int == 5465)
        #expect(object["etag"] as? String == "\"6553f100-1559\"")
        let headers = try #require(object["headers"] as? [[String]])
        #expect(headers.contains(["Content-Type", "image/jpeg"]))
    }

    @Test("inspect of a damaged file says why and exits 1; of a missing path, exit 2; with no path, a usage error")
    func inspectFailures() throws {
        let (fixture, origin, _) = try Self.filledCache(["/1.jpg"])
        let path = fixture.path(of: "/1.jpg", upstream: origin.upstream)
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.truncate(atOffset: 400)
        try handle.close()
        let damaged = try Self.tool(["inspect", path])
        #expect(damaged.status == 1)
        #expect(damaged.lines == ["file: \(path)", "error: header or body offset outside the file"])
        let missing = try Self.tool(["inspect", fixture.cachePath + "/nothing"])
        #expect(missing.status == 2)
        #expect(missing.errors.contains("no such file or directory"))
        let usage = try Self.tool(["inspect"])
        #expect(usage.status == 2)
        #expect(usage.errors.hasPrefix("error: missing PATH\n"))
    }

    @Test("inspect reads the key at its offset: a key whose crc32 has a newline byte is read whole")
    func inspectKeyWithNewlineInHeader() throws {
        // A key whose crc32 holds 0x0A: a tool that looks for the first newline would cut it.
        let host = "127.0.0.1:8000"
        let target = try #require((0..<100_000).lazy.map { "/1.jpg?n=\($0)" }.first { target in
            withUnsafeBytes(of: CRC32.checksum(Array((host + target).utf8)).littleEndian) { $0.contains(0x0A) }
        })
        let directory = try TemporaryDirectory()
        let key = Array((host + target).utf8)
        let pending = try PendingCacheFile(cacheDirectory: directory.path, levels: .oneTwo, key: key,
                                           header: CacheFileHeader(storing: [:], date: 0, validUntil: 3_600),
                                           storedHead: Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n".utf8))
        try pending.append([0x41, 0x42])
        try pending.commit()
        let run = try Self.tool(["inspect", directory.path])
        #expect(run.status == 0)
        #expect(run.lines.contains("key: \(host + target)"))
    }

    // MARK: - purge

    @Test("purge KEY deletes one file through its md5 path; again, nothing matches (exit 1)")
    func purgeKey() throws {
        let (fixture, origin, host) = try Self.filledCache(["/1.jpg", "/2.jpg"])
        let path = fixture.path(of: "/1.jpg", upstream: origin.upstream)
        let run = try Self.tool(["purge", "--cache-dir", fixture.cachePath, "\(host)/1.jpg"])
        #expect(run.status == 0)
        #expect(run.lines == ["deleted \(host)/1.jpg (\(path))", "deleted 1 entry"])
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(fixture.files.count == 1)
        let again = try Self.tool(["purge", "--cache-dir", fixture.cachePath, "\(host)/1.jpg"])
        #expect(again.status == 1)
        #expect(again.lines == ["deleted 0 entries"])
        // The running proxy finds the file gone: a MISS that stores it again.
        #expect(try fixture.cacheStatuses(of: "/1.jpg", count: 2) == ["MISS", "HIT"])
    }

    @Test("purge --prefix and --regex delete exactly the matching keys; --dry-run only lists them", arguments: [
        (["--prefix", "/a/"], ["/a/1.jpg", "/a/2.jpg"]),
        (["--regex", #"\.jpg\?w=[0-9]+$"#], ["/1.jpg?w=100", "/2.jpg?w=5"]),
        (["--regex", "/b/"], ["/b/1.jpg"]),
        (["--prefix", "/none/"], []),
    ])
    func purgeByPattern(selection: [String], matching: [String]) throws {
        let all = ["/1.jpg", "/1.jpg?w=100", "/2.jpg?w=5", "/a/1.jpg", "/a/2.jpg", "/b/1.jpg"]
        let (fixture, _, host) = try Self.filledCache(all)
        // A prefix names the whole key: the host part comes first.
        let arguments = selection[0] == "--prefix" ? [selection[0], host + selection[1]] : selection
        let dryRun = try Self.tool(["purge", "--cache-dir", fixture.cachePath, "--dry-run"] + arguments)
        #expect(dryRun.status == (matching.isEmpty ? 1 : 0))
        #expect(dryRun.lines.last == "a real run would delete \(matching.count) \(matching.count == 1 ? "entry" : "entries")")
        #expect(fixture.files.count == all.count)
        let run = try Self.tool(["purge", "--cache-dir", fixture.cachePath] + arguments)
        #expect(run.status == (matching.isEmpty ? 1 : 0))
        let deleted = run.lines.dropLast().map { String($0.split(separator: " ")[1]) }
        #expect(deleted.sorted() == matching.map { host + $0 }.sorted())
        #expect(fixture.files.count == all.count - matching.count)
    }

    @Test("purge skips temporary files and files of other versions, never deleting them")
    func purgeSkipsNonEntries() throws {
        let (fixture, origin, _) = try Self.filledCache(["/1.jpg"])
        let path = fixture.path(of: "/1.jpg", upstream: origin.upstream)
        let temporary = path + ".0000000009"
        try Data("an unfinished write".utf8).write(to: URL(fileURLWithPath: temporary))
        var bytes = try #require(FileManager.default.contents(atPath: path).map(Array.init))
        bytes[0] = 4  // version 4
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let run = try Self.tool(["purge", "--cache-dir", fixture.cachePath, "--regex", "."])
        #expect(run.status == 1)
        #expect(FileManager.default.fileExists(atPath: temporary))
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test("purge on an empty directory matches nothing (1); on a missing one it is an error (2); bad arguments are usage errors (2)", arguments: [
        (["purge", "--cache-dir", "EMPTY", "--prefix", "x"], Int32(1), "", "deleted 0 entries"),
        (["purge", "--cache-dir", "EMPTY/missing", "--prefix", "x"], 2, "error: EMPTY/missing: No such file or directory", ""),
        (["purge", "--cache-dir", "EMPTY/missing", "some-key"], 2, "error: EMPTY/missing: no such directory", ""),
        (["purge", "--prefix", "x"], 2, "error: --cache-dir needs a value", ""),
        (["purge", "--cache-dir", "EMPTY"], 2, "error: missing KEY (or --prefix or --regex)", ""),
        (["purge", "--cache-dir", "EMPTY", "--prefix", "a", "--regex", "b"], 2, "error: --prefix and --regex cannot be given together", ""),
        (["purge", "--cache-dir", "EMPTY", "--regex", "("], 2, "error: --regex: \"(\" is not a regular expression", ""),
        (["purge", "--cache-dir", "EMPTY", "k1", "k2"], 2, "error: unexpected argument \"k2\"", ""),
        (["watch"], 2, "error: missing DIR", ""),
        (["watch", "EMPTY/missing"], 2, "error: EMPTY/missing: No such file or directory", ""),
        (["inspect", "--levels", "3", "EMPTY"], 2, "error: --levels: \"3\" is not levels such as 1:2", ""),
    ])
    func purgeStatuses(arguments: [String], status: Int32, error: String, output: String) throws {
        let directory = try TemporaryDirectory()
        let run = try Self.tool(arguments.map { $0.replacingOccurrences(of: "EMPTY", with: directory.path) })
        #expect(run.status == status)
        let expectedError = error.replacingOccurrences(of: "EMPTY", with: directory.path)
        #expect(expectedError.isEmpty ? run.errors.isEmpty : run.errors.hasPrefix(expectedError), "\(run.errors)")
        #expect(output.isEmpty || run.lines == [output])
    }

    @Test("Every subcommand has --help (exit 0), and the proxy's help lists them")
    func help() throws {
        for subcommand in ["inspect", "purge", "watch"] {
            let run = try Self.tool([subcommand, "--help"])
            #expect(run.status == 0)
            #expect(run.output.hasPrefix("usage: Step5Invalidation \(subcommand)"))
        }
        let proxy = try Self.tool(["--help"])
        #expect(proxy.status == 0)
        #expect(proxy.output.contains("subcommands (each has its own --help):\n  inspect"))
    }

    // MARK: - watch

    @Test("watch reports the entries stored and removed, with their keys, and ends with status 0 on SIGINT")
    func watch() throws {
        let (fixture, origin, host) = try Self.filledCache(["/1.jpg"])
        defer { withExtendedLifetime(origin) {} }  // the origin must serve the store below
        let directory = try #require(ServerProcess.findProductDirectory(containing: "Step5Invalidation"))
        let outputFile = try TemporaryDirectory()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: directory + "/Step5Invalidation")
        process.arguments = ["watch", fixture.cachePath]
        _ = FileManager.default.createFile(atPath: outputFile.path + "/out", contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: outputFile.path + "/out")
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        func lines() -> [String] {
            ((try? String(contentsOfFile: outputFile.path + "/out", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        func waitFor(_ condition: ([String]) -> Bool) -> Bool {
            let deadline = ContinuousClock.now + .seconds(10)
            while !condition(lines()), ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.02) }
            return condition(lines())
        }
        #expect(waitFor { !$0.isEmpty })
        #expect(lines().first == "watching \(fixture.cachePath): 1 entry")
        _ = try fixture.request(.get, "/a/new.jpg")  // stored at once (--min-uses 1), maybe in a new directory
        #expect(fixture.files.count == 2)
        _ = try fixture.request(.purge, "/1.jpg")
        #expect(waitFor { $0.contains { $0.hasPrefix("removed ") } }, "\(lines())")
        // Exactly two events, in the order they happened.
        let events = Array(lines().dropFirst())
        #expect(events.map { $0.prefix { $0 != "(" } } == ["stored \(host)/a/new.jpg ", "removed \(host)/1.jpg "])
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
