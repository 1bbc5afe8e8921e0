import Foundation
import HTTPCore
import NginxCache
import Testing
import TestSupport
@testable import Step4Purge

@Suite("Step4Purge answers as nginx does, and fills its cache directory with the same files, side by side",
       .enabled(if: NginxServer.isInstalled, "nginx is not installed: apt-get install nginx-light"),
       .timeLimit(.minutes(3)))
struct ConformanceTests {
    /// Step 3's sequences, and those where step 4 now does what nginx does and step 3 did not.
    static let sequences = ConformanceSequence.all + [
        ConformanceSequence(name: "If-None-Match on a HIT: 304",
                            steps: ConformanceSequence.repeated(2, "/etag.jpg")
                                + ConformanceSequence.repeated(1, "/etag.jpg", headerFields: ["If-None-Match": "\"v1\""])),
        ConformanceSequence(name: "Range on a HIT of a response with Accept-Ranges: 206",
                            steps: ConformanceSequence.repeated(2, "/ranges.jpg")
                                + ConformanceSequence.repeated(2, "/ranges.jpg", headerFields: ["Range": "bytes=0-99"])),
    ]

    @Test("Same statuses, X-Proxy-Cache, fields, bodies, origin requests and cache file paths", arguments: sequences)
    func sameAnswers(sequence: ConformanceSequence) async throws {
        // Seconds of waiting on two servers and an origin: off the test pool (see onOwnThread).
        let (nginx, step4) = try await onOwnThread { try SideBySide.run(sequence, makeProxy: Self.makeProxy) }
        // A Bool, so that a failure shows the table below rather than two transcripts on one line.
        let isIdentical = nginx == step4
        #expect(isIdentical, "\(SideBySide.table(sequence, nginx: nginx, step: step4, stepName: "Step4Purge"))")
    }

    @Test("Where step 4 differs from nginx on purpose, both answers are as documented", arguments: DeliberateDifference.step4)
    func deliberateDifference(difference: DeliberateDifference) async throws {
        // Seconds of waiting on two servers and an origin: off the test pool (see onOwnThread).
        let (nginx, step4) = try await onOwnThread { try SideBySide.run(difference.sequence, makeProxy: Self.makeProxy) }
        let table = SideBySide.table(difference.sequence, nginx: nginx, step: step4, stepName: "Step4Purge")
        #expect(nginx.summary == difference.nginx, "nginx changed: \(table)")
        #expect(step4.summary == difference.step, "\(difference.reason)\n\(table)")
    }

    /// An in-process Step4Purge in front of `upstream`, with the sequence's settings and a cache
    /// directory of its own.
    static func makeProxy(upstream: UpstreamAddress, sequence: ConformanceSequence) throws -> ProxyUnderTest {
        let directory = try TemporaryDirectory()
        var options = ProxyOptions()
        options.validity = try #require(Duration(nginxTime: sequence.validity))
        options.storesSetCookie = sequence.storesSetCookie
        options.cacheDirectory = directory.path + "/cache"
        let cache = options.makeCache()
        try cache.directory.createIfMissing()
        _ = try cache.load()
        let proxy = CachingProxy(upstream: upstream, upstreamTimeout: .seconds(10), policy: options.policy, cache: cache)
        let server = try TestServer(handler: proxy, configuration: ServerConfiguration(serverName: "Step4Purge", accessLog: .disabled))
        return ProxyUnderTest(port: server.port, cacheFiles: { FileTree.files(under: options.cacheDirectory) },
                              retained: [server, directory])
    }
}

extension DeliberateDifference {
    /// Where Step4Purge differs from nginx.
    static let step4: [DeliberateDifference] = [
        DeliberateDifference(
            sequence: ConformanceSequence(name: "Vary: Accept-Encoding", steps: ConformanceSequence.repeated(3, "/vary.jpg")),
            nginx: ["200 MISS", "200 MISS", "200 HIT"],
            step: ["200 MISS", "200 MISS", "200 MISS"],
            reason: "step 4 keeps one response per key; nginx keeps one per variant (a secondary key)"),
        DeliberateDifference(
            sequence: ConformanceSequence(name: "Range on the request that stores the response",
                                          steps: ConformanceSequence.repeated(3, "/ranges.jpg", headerFields: ["Range": "bytes=0-99"])),
            // nginx asks the origin for the whole image to store it, and cuts the range from it
            // for this client; step 4 relays the whole image it stores.
            nginx: ["200 MISS", "206 MISS", "206 HIT"],
            step: ["200 MISS", "200 MISS", "206 HIT"],
            reason: "a MISS relays the upstream's answer as it arrives; only a HIT, with the whole entry on disk, is cut to a range"),
        DeliberateDifference(
            sequence: ConformanceSequence(name: "Expires in the past, then Cache-Control: max-age=600",
                                          steps: ConformanceSequence.repeated(3, "/expires-then-max-age.jpg")),
            nginx: ["200 MISS", "200 MISS", "200 MISS"],
            step: ["200 MISS", "200 MISS", "200 HIT"],
            reason: "RFC 9111 §5.3: max-age wins over Expires; nginx lets an Expires that comes first veto storing"),
    ]
}
