import Foundation
import HTTPCore
import Testing
import TestSupport
@testable import Step5Invalidation

@Suite("Usage statistics: /stats and /metrics on the admin API", .timeLimit(.minutes(1)))
struct StatisticsTests {
    struct Stats: Decodable {
        struct Totals: Decodable {
            var keys: Int, entries: Int, storedBytes: Int, hits: Int, misses: Int, expired: Int, bytesSent: Int
            var coalescedRequests: Int, upstreamRequests: Int
        }
        struct Usage: Decodable {
            var key: String, uses: Int, hits: Int, bytesSent: Int, lastUse: String, cached: Bool
        }
        var totals: Totals
        var top: [Usage]
    }

    static func stats(_ fixture: ProxyFixture, _ target: String = "/stats") throws -> Stats {
        try JSONDecoder().decode(Stats.self, from: Data(try fixture.adminRequest(.get, target, authorization: nil).body))
    }

    @Test("Per key: uses, HITs and the body bytes each answer carried (a 304, a 206 and a HEAD included), most used first")
    func perKey() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let size = ProxyFixture.image.count
        _ = try fixture.request(.get, "/1.jpg")                                        // MISS, not stored
        _ = try fixture.request(.get, "/1.jpg")                                        // MISS, stored
        _ = try fixture.request(.get, "/1.jpg")                                        // HIT
        #expect(try fixture.request(.get, "/1.jpg", headerFields: ["If-None-Match": "\"6553f100-1559\""]).status == 304)
        #expect(try fixture.request(.get, "/1.jpg", headerFields: ["Range": "bytes=0-99"]).status == 206)
        #expect(try fixture.request(.head, "/1.jpg").headerFields["X-Proxy-Cache"] == "HIT")
        #expect(try fixture.request(.get, "/missing.jpg").status == 404)
        let stats = try Self.stats(fixture)
        #expect(stats.top.map(\.key) == [origin.upstream.proxyHost + "/1.jpg", origin.upstream.proxyHost + "/missing.jpg"])
        let first = try #require(stats.top.first)
        #expect((first.uses, first.hits, first.cached) == (6, 4, true))
        #expect(first.bytesSent == 3 * size + 100)
        #expect(first.lastUse.hasSuffix("Z") && first.lastUse.count == 20)
        #expect((stats.totals.keys, stats.totals.entries, stats.totals.hits, stats.totals.misses) == (2, 1, 4, 3))
        #expect(stats.totals.upstreamRequests == 3)
        #expect(stats.totals.bytesSent == 3 * size + 100 + "no route for /missing.jpg\n".utf8.count)
        #expect(try Self.stats(fixture, "/stats?top=1").top.count == 1)
        #expect(try fixture.adminRequest(.get, "/stats?top=x", authorization: nil).status == 400)
    }

    @Test("A HIT whose file vanished is counted as the MISS it became")
    func vanishedFile() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.minUses = 1 }
        _ = try fixture.request(.get, "/1.jpg")
        try FileManager.default.removeItem(atPath: fixture.path(of: "/1.jpg", upstream: origin.upstream))
        #expect(try fixture.request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "MISS")
        let stats = try Self.stats(fixture)
        #expect((stats.totals.hits, stats.totals.misses) == (0, 2))
        #expect(stats.top.first?.bytesSent == 2 * ProxyFixture.image.count)
    }

    @Test("/metrics is the Prometheus text format: HELP and TYPE for each metric, the counters of what happened")
    func exposition() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.minUses = 1 }
        _ = try fixture.request(.get, "/1.jpg")
        _ = try fixture.request(.get, "/1.jpg")
        _ = try fixture.request(.post, "/form")
        #expect(try fixture.request(.purge, "/1.jpg").status == 200)
        _ = try fixture.request(.get, "/1.jpg")
        #expect(try InvalidationTests.invalidate(fixture, ["/1.jpg"]).status == 200)
        let response = try fixture.adminRequest(.get, "/metrics", authorization: nil)
        #expect(response.headerFields["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8")
        let samples = Dictionary(uniqueKeysWithValues: response.bodyText.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            (String(line.split(separator: " ")[0]), Int(line.split(separator: " ")[1])!)
        })
        #expect(samples["image_cache_requests_total{cache=\"HIT\"}"] == 1)
        #expect(samples["image_cache_requests_total{cache=\"MISS\"}"] == 2)
        #expect(samples["image_cache_upstream_requests_total"] == 2)
        #expect(samples["image_cache_forwarded_requests_total"] == 1)
        #expect(samples["image_cache_stores_total"] == 2)
        #expect(samples["image_cache_purges_total"] == 1)
        #expect(samples["image_cache_invalidations_total"] == 1)
        #expect(samples["image_cache_invalidated_entries_total"] == 1)
        #expect(samples["image_cache_entries"] == 0)
        #expect(samples["image_cache_sent_bytes_total"] == 3 * ProxyFixture.image.count)
        for line in response.bodyText.split(separator: "\n") where line.hasPrefix("# TYPE") {
            let name = line.split(separator: " ")[2]
            #expect(response.bodyText.contains("# HELP \(name) "), "\(name)")
        }
    }

    @Test("promtool check metrics accepts the exposition",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool"), "promtool is not installed: apt-get install prometheus"))
    func promtool() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        _ = try fixture.request(.get, "/1.jpg")
        let exposition = try fixture.adminRequest(.get, "/metrics", authorization: nil).body
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/promtool")
        process.arguments = ["check", "metrics"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(exposition))
        try input.fileHandleForWriting.close()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // Status 0 and nothing printed: valid, and no lint problem (names, units, HELP).
        #expect(process.terminationStatus == 0, "\(printed)")
        #expect(printed.isEmpty, "\(printed)")
    }
}
