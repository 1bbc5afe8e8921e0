import Foundation
import HTTPCore
import Synchronization
import Testing
import TestSupport
@testable import Step5Invalidation

@Suite("A fleet: three nodes on one Redis receive every invalidation",
       .enabled(if: RedisServer.isInstalled, "redis-server is not installed: apt-get install redis-server"),
       .timeLimit(.minutes(3)))
struct FleetTests {
    /// One node: a Step5Invalidation process with its own cache, in the fleet.
    final class Node {
        let name: String
        let arguments: [String]
        private(set) var process: ServerProcess
        private(set) var adminPort = 0

        init(name: String, origin: CountingOrigin, redis: RedisServer, directory: TemporaryDirectory) throws {
            self.name = name
            arguments = ["--upstream", "http://127.0.0.1:\(origin.port)", "--cache-dir", directory.path + "/" + name + "/cache",
                         "--min-uses", "1", "--admin-port", "0", "--fleet", redis.url, "--no-store-set-cookie"]
            process = try ServerProcess(product: "Step5Invalidation", arguments: arguments,
                                        environment: [BearerToken.environmentVariable: ProxyFixture.token])
            adminPort = try Self.adminPort(of: process)
            // Until it has joined the fleet and caught up, its cache is bypassed.
            #expect(eventually { (try? self.metric("image_cache_fleet_connected")) == 1 }, "\(name) never joined the fleet")
        }

        /// Stops it (SIGTERM) and starts it again with the same cache.
        func restart() throws {
            process.stop()
            process = try ServerProcess(product: "Step5Invalidation", arguments: arguments,
                                        environment: [BearerToken.environmentVariable: ProxyFixture.token])
            adminPort = try Self.adminPort(of: process)
        }

        func stop() { process.stop() }

        var port: Int { process.port }

        func get(_ target: String) throws -> RawClient.Response {
            try RawClient(port: port).request(.get, target)
        }

        func admin(_ method: HTTPMethod, _ target: String) throws -> RawClient.Response {
            try RawClient(port: adminPort).request(method, target, headerFields: ["Authorization": "Bearer \(ProxyFixture.token)"])
        }

        /// A counter of `/metrics`.
        func metric(_ name: String) throws -> Int {
            let text = try admin(.get, "/metrics").bodyText
            return text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Int($0.split(separator: " ")[1]) } ?? -1
        }

        private static func adminPort(of process: ServerProcess) throws -> Int {
            let line = try #require(process.waitForOutputLine(containing: "admin API on"))
            return try #require(ServerProcess.port(inAddressLine: line.replacingOccurrences(of: "admin API on", with: "listening on")))
        }
    }

    /// An origin whose images change version when told: `/N.jpg` is the sample image with the
    /// version's number appended.
    final class VersionedOrigin: Sendable {
        final class Version: Sendable {
            let value = Atomic<Int>(1)
        }
        let version = Version()
        let origin: CountingOrigin
        init() throws {
            let images = try ["1.jpg", "2.jpg", "3.jpg"].map { ($0, try SampleImages.bytes($0)) }
            let version = version
            origin = try CountingOrigin { request in
                let path = request.target.prefix { $0 != "?" }.dropFirst()
                guard let image = images.first(where: { $0.0 == path }) else { return .text(.notFound, "no") }
                return HTTPResponse(status: .ok, headerFields: ["Content-Type": "image/jpeg"],
                                    body: .bytes(image.1 + [UInt8(version.value.load(ordering: .relaxed))]))
            }
        }
        func body(_ name: String) throws -> [UInt8] { try SampleImages.bytes(name) + [UInt8(version.value.load(ordering: .relaxed))] }
    }

    static let variants = ["/1.jpg", "/1.jpg?w=100", "/2.jpg", "/2.jpg?w=100"]

    /// A Redis, a versioned origin and three nodes on them, a, b and c, each holding every variant.
    struct Fleet {
        let redis: RedisServer
        let origin: VersionedOrigin
        let directory: TemporaryDirectory
        let nodes: [Node]
    }

    static func filledFleet() throws -> Fleet {
        let redis = try RedisServer()
        let origin = try VersionedOrigin()
        let directory = try TemporaryDirectory()
        let nodes = try ["a", "b", "c"].map { try Node(name: $0, origin: origin.origin, redis: redis, directory: directory) }
        for node in nodes {
            for target in variants { _ = try node.get(target) }
            for target in variants { #expect(try node.get(target).headerFields["X-Proxy-Cache"] == "HIT", "\(node.name) \(target)") }
        }
        return Fleet(redis: redis, origin: origin, directory: directory, nodes: nodes)
    }

    static func invalidate(_ node: Node, _ url: String, hash: String) throws -> RawClient.Response {
        try node.admin(.delete, "/invalidate?projectName=site&latestCommitHash=\(hash)&urls=\(url)")
    }

    @Test("An invalidation sent to A makes the image a MISS on A, B and C within a second; all answer the same lastInvalidation")
    func reachesEveryNode() throws {
        let fleet = try Self.filledFleet()
        let nodes = fleet.nodes
        let sent = ContinuousClock.now
        let answer = try Self.invalidate(nodes[0], "/1.jpg", hash: "1111111")
        #expect(answer.status == 200, "\(answer.bodyText)")
        #expect(eventually { nodes.allSatisfy { (try? $0.metric("image_cache_invalidations_total")) == 1 } })
        #expect(sent.duration(to: .now) < .seconds(1))
        for node in nodes {
            for target in Self.variants {
                #expect(try node.get(target).headerFields["X-Proxy-Cache"] == (target.hasPrefix("/1.jpg") ? "MISS" : "HIT"),
                        "\(node.name) \(target)")
            }
            #expect(try node.metric("image_cache_invalidated_entries_total") == 2)
        }
        let answers = try nodes.map { try $0.admin(.get, "/lastInvalidation?projectName=site").bodyText }
        #expect(Set(answers).count == 1)
        #expect(answers[0].contains(#""commitHash":"1111111""#))
    }

    @Test("A node stopped during an invalidation catches up before its cache answers: its first answer has the new bytes")
    func nodeThatWasDown() throws {
        let fleet = try Self.filledFleet()
        let nodes = fleet.nodes
        nodes[2].stop()
        fleet.origin.version.value.store(2, ordering: .relaxed)
        #expect(try Self.invalidate(nodes[0], "/2.jpg", hash: "2222222").status == 200)
        try nodes[2].restart()
        let first = try nodes[2].get("/2.jpg")
        #expect(first.body == (try fleet.origin.body("2.jpg")), "the old image was served after the restart")
        #expect(["MISS", "BYPASS"].contains(first.headerFields["X-Proxy-Cache"] ?? "-"))
        #expect(eventually { (try? nodes[2].metric("image_cache_invalidations_total")) == 1 })
        #expect(try nodes[2].get("/1.jpg").headerFields["X-Proxy-Cache"] == "HIT")
    }

    @Test("Redis stopped: images still served, invalidation refused with 503; Redis back: the next invalidation reaches all")
    func redisDown() throws {
        let fleet = try Self.filledFleet()
        let nodes = fleet.nodes
        fleet.redis.stop()
        for node in nodes { #expect(try node.get("/1.jpg").headerFields["X-Proxy-Cache"] == "HIT") }
        let refused = try Self.invalidate(nodes[1], "/1.jpg", hash: "3333333")
        #expect(refused.status == 503)
        #expect(refused.bodyText.contains("nothing was invalidated"))
        #expect(try nodes[0].admin(.get, "/lastInvalidation?projectName=site").status == 503)
        for node in nodes { #expect(try node.get("/1.jpg").headerFields["X-Proxy-Cache"] == "HIT") }

        try fleet.redis.restart()
        #expect(eventually { (try? Self.invalidate(nodes[1], "/1.jpg", hash: "4444444").status) == 200 })
        #expect(eventually { nodes.allSatisfy { (try? $0.metric("image_cache_invalidations_total")) == 1 } })
        for node in nodes { #expect(try node.get("/1.jpg").headerFields["X-Proxy-Cache"] == "MISS", "\(node.name)") }
    }
}
