import Dispatch
import Foundation
import HTTPCore
import NginxCache
import Synchronization
import Testing
import TestSupport
@testable import Step5Invalidation

@Suite("DELETE /invalidate drops every cached variant of a source, and only those", .timeLimit(.minutes(2)))
struct InvalidationTests {
    /// The three sample images, by their path, whatever the query; the path percent-decoded.
    static func makeImagesOrigin(release: DispatchSemaphore? = nil) throws -> CountingOrigin {
        let images = try ["1.jpg", "2.jpg", "3.jpg"].map { ($0, try SampleImages.bytes($0)) }
        return try CountingOrigin { request in
            release?.wait()
            let path = String(request.target.prefix { $0 != "?" })
            let decoded = PercentEncoding.decode(path.utf8).map { String(decoding: $0, as: UTF8.self) } ?? path
            let query = request.target.drop { $0 != "?" }
            let decodedQuery = PercentEncoding.decode(query.utf8).map { String(decoding: $0, as: UTF8.self) } ?? ""
            // An Imcaxy-style processor: /resize?url=…/N.jpg serves that image.
            let name = decoded == "/resize" ? String(decodedQuery.split(separator: "/").last ?? "").prefix { $0 != "&" }
                : decoded.dropFirst()
            guard let image = images.first(where: { $0.0 == name }) else { return .text(.notFound, "no such image") }
            return HTTPResponse(status: .ok, headerFields: ["Content-Type": "image/jpeg"], body: .bytes(image.1))
        }
    }

    /// The targets the chapter fills the cache with: three images and their query variants.
    static let variants = ["/1.jpg", "/1.jpg?w=100", "/1.jpg?", "/%31.jpg", "/2.jpg", "/2.jpg?w=100", "/3.jpg", "/3.jpg?w=100"]

    static func fill(_ fixture: ProxyFixture, _ targets: [String] = variants) throws {
        for target in targets {
            #expect(try fixture.request(.get, target).headerFields["X-Proxy-Cache"] == "MISS")
        }
        for target in targets {
            #expect(try fixture.request(.get, target).headerFields["X-Proxy-Cache"] == "HIT", "\(target)")
        }
    }

    static func invalidate(_ fixture: ProxyFixture, _ urls: [String], project: String = "web",
                           hash: String = "3f2a9c1") throws -> RawClient.Response {
        let query = urls.map { "urls=" + $0.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "&", with: "%26")
            .replacingOccurrences(of: "?", with: "%3F") }.joined(separator: "&")
        return try fixture.adminRequest(.delete, "/invalidate?projectName=\(project)&latestCommitHash=\(hash)&\(query)")
    }

    static func record(_ response: RawClient.Response) throws -> InvalidationRecord {
        try JSONDecoder().decode(InvalidationRecord.self, from: Data(response.body))
    }

    @Test("One invalidation of /1.jpg: its four variants become MISS, the other images' stay HIT")
    func exactlyTheSourcesVariants() throws {
        let origin = try Self.makeImagesOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.minUses = 1 }
        try Self.fill(fixture)
        let response = try Self.invalidate(fixture, ["http://cdn.example/images/../1.jpg"])
        #expect(response.status == 200, "\(response.bodyText)")
        #expect(response.headerFields["Content-Type"] == "application/json")
        let record = try Self.record(response)
        #expect(record.projectName == "web")
        #expect(record.commitHash == "3f2a9c1")
        #expect(record.requestedInvalidations == ["http://cdn.example/images/../1.jpg"])
        #expect(record.doneInvalidations == record.requestedInvalidations)
        #expect(record.invalidationError == nil)
        #expect(Set(record.invalidatedImages.map(\.key)) == Set(Self.variants.prefix(4).map { origin.upstream.proxyHost + $0 }))
        for image in record.invalidatedImages {
            #expect(image.path == fixture.proxy.cache.path(for: CacheKey(rawValue: image.key)))
            #expect(!FileManager.default.fileExists(atPath: image.path))
            #expect(image.size > 5_465)
        }
        for target in Self.variants {
            let expected = target.contains("1.jpg") ? "MISS" : "HIT"
            #expect(try fixture.request(.get, target).headerFields["X-Proxy-Cache"] == expected, "\(target)")
        }
        // The use count stays, as after a PURGE: the MISS refilled each entry.
        #expect(try fixture.request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "HIT")
    }

    @Test("With --source-param url, processor URLs that name the source go too")
    func sourceParameter() throws {
        let origin = try Self.makeImagesOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream) { options in
            options.minUses = 1
            options.sourceParameter = "url"
        }
        let processed = ["/resize?url=http://origin/1.jpg&width=300", "/resize?width=100&url=http%3A%2F%2Forigin%2F1.jpg",
                         "/resize?url=http://origin/2.jpg&width=300"]
        try Self.fill(fixture, processed + ["/1.jpg"])
        let record = try Self.record(try Self.invalidate(fixture, ["/1.jpg"]))
        #expect(record.invalidatedImages.count == 3)
        #expect(try fixture.request(.get, processed[0]).headerFields["X-Proxy-Cache"] == "MISS")
        #expect(try fixture.request(.get, processed[1]).headerFields["X-Proxy-Cache"] == "MISS")
        #expect(try fixture.request(.get, processed[2]).headerFields["X-Proxy-Cache"] == "HIT")
    }

    @Test("A URL that matches nothing is done, with no entry")
    func nothingCached() throws {
        let origin = try Self.makeImagesOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let response = try Self.invalidate(fixture, ["/never.jpg"])
        #expect(response.status == 200)
        let record = try Self.record(response)
        #expect(record.doneInvalidations == ["/never.jpg"])
        #expect(record.invalidatedImages.isEmpty)
    }

    @Test("A file that cannot be deleted fails its URL alone: 500 with the whole record, the other URLs done")
    func oneURLFails() throws {
        let origin = try Self.makeImagesOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.minUses = 1 }
        try Self.fill(fixture, ["/1.jpg", "/2.jpg", "/3.jpg"])
        // A non-empty directory where 2.jpg's file is: unlink(2) refuses it, even as root.
        let path = fixture.path(of: "/2.jpg", upstream: origin.upstream)
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path + "/inside", withIntermediateDirectories: true)
        let response = try Self.invalidate(fixture, ["/2.jpg", "/1.jpg", "/3.jpg"])
        #expect(response.status == 500)
        let record = try Self.record(response)
        #expect(record.requestedInvalidations == ["/2.jpg", "/1.jpg", "/3.jpg"])
        #expect(record.doneInvalidations == ["/1.jpg", "/3.jpg"])
        #expect(record.invalidatedImages.map(\.source) == ["/1.jpg", "/3.jpg"])
        #expect(record.invalidationError == "/2.jpg: cannot delete \(path): Is a directory")
        // The failed call is in the history too.
        let last = try fixture.adminRequest(.get, "/lastInvalidation?projectName=web")
        #expect(try Self.record(last) == record)
    }

    @Test("lastInvalidation: 404 naming the project before its first call, then the newest; latestInvalidation too")
    func lastInvalidation() throws {
        let origin = try Self.makeImagesOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let none = try fixture.adminRequest(.get, "/lastInvalidation?projectName=web")
        #expect(none.status == 404)
        #expect(none.bodyText == #"{"error":"no invalidation recorded for project web"}"# + "\n")
        _ = try Self.invalidate(fixture, ["/1.jpg"], hash: "aaaaaaa")
        _ = try Self.invalidate(fixture, ["/2.jpg"], hash: "bbbbbbb")
        _ = try Self.invalidate(fixture, ["/2.jpg"], project: "other", hash: "ccccccc")
        for route in ["/lastInvalidation", "/latestInvalidation"] {
            #expect(try Self.record(try fixture.adminRequest(.get, "\(route)?projectName=web")).commitHash == "bbbbbbb")
        }
        let list = try fixture.adminRequest(.get, "/invalidations?projectName=web")
        let records = try JSONDecoder().decode([InvalidationRecord].self, from: Data(list.body))
        #expect(records.map(\.commitHash) == ["bbbbbbb", "aaaaaaa"])
        let limited = try fixture.adminRequest(.get, "/invalidations?projectName=web&limit=1")
        #expect(try JSONDecoder().decode([InvalidationRecord].self, from: Data(limited.body)).map(\.commitHash) == ["bbbbbbb"])
        #expect(try fixture.adminRequest(.get, "/invalidations?projectName=web&limit=0").status == 400)
        #expect(try fixture.adminRequest(.get, "/lastInvalidation").status == 400)
    }

    @Test("A JSON body carries a list too long for a request line")
    func jsonBody() throws {
        let origin = try Self.makeImagesOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.minUses = 1 }
        try Self.fill(fixture, ["/1.jpg"])
        let urls = ["/1.jpg"] + (1...500).map { "/images/never-cached-\($0)/with-a-long-name.jpg" }
        struct Body: Encodable {
            var projectName = "web"
            var latestCommitHash = "3f2a9c1"
            var urls: [String]
        }
        let body = try JSONEncoder().encode(Body(urls: urls))
        #expect(body.count > 8_192)
        let response = try fixture.adminRequest(.delete, "/invalidate", headerFields: ["Content-Type": "application/json"],
                                                body: Array(body))
        #expect(response.status == 200, "\(response.bodyText)")
        let record = try Self.record(response)
        #expect(record.requestedInvalidations.count == 501)
        #expect(record.invalidatedImages.map(\.source) == ["/1.jpg"])
    }

    @Test("A miss on its way when its source is invalidated is relayed but not stored")
    func missInFlight() throws {
        let release = DispatchSemaphore(value: 0)
        let origin = try Self.makeImagesOrigin(release: release)
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.minUses = 1 }
        let answer = Mutex<RawClient.Response?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            answer.withLock { $0 = try? fixture.request(.get, "/1.jpg?w=300") }
            done.signal()
        }.start()
        #expect(eventually { origin.count(of: "/1.jpg?w=300") == 1 })
        #expect(try Self.invalidate(fixture, ["/1.jpg"]).status == 200)
        release.signal()
        done.wait()
        #expect(answer.withLock { $0?.body.isTheImage } == true)
        #expect(fixture.proxy.cache.count == 0)
        release.signal()
        #expect(try fixture.request(.get, "/1.jpg?w=300").headerFields["X-Proxy-Cache"] == "MISS")
    }

    @Test("PURGE and invalidation agree: what one deleted, the other finds gone")
    func purgeAgrees() throws {
        let origin = try Self.makeImagesOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.minUses = 1 }
        try Self.fill(fixture, ["/1.jpg", "/1.jpg?w=100"])
        #expect(try fixture.request(.purge, "/1.jpg").status == 200)
        let record = try Self.record(try Self.invalidate(fixture, ["/1.jpg"]))
        #expect(record.invalidatedImages.map(\.key) == [origin.upstream.proxyHost + "/1.jpg?w=100"])
        #expect(try fixture.request(.purge, "/1.jpg?w=100").status == 404)
        #expect(fixture.files.isEmpty)
    }

    @Test("Invalidations while four clients loop on HITs: every one of 200 answers or more is whole")
    func underLoad() throws {
        let origin = try Self.makeImagesOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.minUses = 1 }
        let image = try SampleImages.bytes("3.jpg")
        try Self.fill(fixture, ["/3.jpg", "/3.jpg?w=1"])
        let stop = Atomic<Bool>(false)
        let problems = Mutex<[String]>([])
        let answers = Atomic<Int>(0)
        let group = DispatchGroup()
        for client in 0..<4 {
            group.enter()
            Thread {
                defer { group.leave() }
                guard let connection = try? RawClient(port: fixture.port) else { return }
                while !stop.load(ordering: .relaxed) {
                    do {
                        let response = try connection.request(.get, client % 2 == 0 ? "/3.jpg" : "/3.jpg?w=1")
                        if response.status != 200 || response.body != image {
                            problems.withLock { $0.append("\(response.status), \(response.body.count) bytes") }
                        }
                        answers.add(1, ordering: .relaxed)
                    } catch {
                        problems.withLock { $0.append("\(error)") }
                        return
                    }
                }
            }.start()
        }
        // At least 30 invalidations, and on until the clients have had 200 answers meanwhile (on a
        // busy machine they may start late): the two overlap, whatever the scheduling.
        var invalidations = 0
        let deadline = ContinuousClock.now + .seconds(30)
        while invalidations < 30 || answers.load(ordering: .relaxed) < 200, ContinuousClock.now < deadline {
            #expect(try Self.invalidate(fixture, ["/3.jpg"]).status == 200)
            invalidations += 1
        }
        stop.store(true, ordering: .relaxed)
        group.wait()
        #expect(problems.withLock { $0 }.isEmpty)
        #expect(answers.load(ordering: .relaxed) >= 200)
    }
}
