import Dispatch
import Foundation
import HTTPCore
import Synchronization
import Testing
import TestSupport
@testable import Step5Invalidation

@Suite("Concurrent misses of one key share one upstream request", .timeLimit(.minutes(2)))
struct CoalescingTests {
    /// Runs `body` on `count` threads at once (each one after all are ready) and returns their results.
    static func concurrently<Result: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> Result) -> [Result] {
        let results = Mutex<[Int: Result]>([:])
        let ready = DispatchGroup()
        let start = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        for number in 0..<count {
            ready.enter()
            done.enter()
            Thread {
                ready.leave()
                start.wait()
                let result = body(number)
                results.withLock { $0[number] = result }
                done.leave()
            }.start()
        }
        ready.wait()
        for _ in 0..<count { start.signal() }
        done.wait()
        return results.withLock { results in (0..<count).map { results[$0]! } }
    }

    /// An origin that answers every request with `answer()`, the first one only once `release` is signalled.
    static func origin(holdingTheFirstAnswerUntil release: DispatchSemaphore,
                       _ answer: @escaping @Sendable () -> HTTPResponse) throws -> CountingOrigin {
        let isFirst = Atomic<Bool>(true)
        return try CountingOrigin { _ in
            if isFirst.exchange(false, ordering: .relaxed) { release.wait() }
            return answer()
        }
    }

    /// Asks for `target` with `method` from `count` threads: the first leads a fetch, the others start once it is in
    /// flight and follow it; `release` is signalled once all have joined. Each thread's `answer`.
    static func leaderAndFollowers<Answer: Sendable>(_ fixture: ProxyFixture, _ target: String, count: Int,
                                                     key: CacheKey, release: DispatchSemaphore, method: HTTPMethod = .get,
                                                     answer: @escaping @Sendable (RawClient.Response) -> Answer) -> [Answer] {
        let answers = Mutex<[Answer]>([])
        let group = DispatchGroup()
        for number in 0..<count {
            group.enter()
            Thread {
                if let response = try? fixture.request(method, target) { answers.withLock { $0.append(answer(response)) } }
                group.leave()
            }.start()
            if number == 0 { #expect(eventually { fixture.proxy.sharedFetches?.count == 1 }) }
        }
        #expect(eventually { fixture.proxy.sharedFetches?.followerCount(of: key) == count - 1 })
        release.signal()
        group.wait()
        return answers.withLock { $0 }
    }

    @Test("50 cold GETs and HEADs of one image reach the origin once; every GET gets the whole image")
    func fiftyColdRequests() throws {
        let origin = try ProxyFixture.makeImageOrigin(delay: .milliseconds(500))
        // min-uses 2: the leader's answer is not stored, so a request arriving after it would ask again.
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let answers = Self.concurrently(50) { number in
            try? fixture.request(number % 10 == 9 ? .head : .get, "/1.jpg")
        }
        #expect(origin.count(of: "/1.jpg") == 1)
        for (number, answer) in answers.enumerated() {
            #expect(answer?.status == 200)
            #expect(answer?.headerFields["X-Proxy-Cache"] == "MISS")
            if number % 10 == 9 {
                #expect(answer?.headerFields["Content-Length"] == String(ProxyFixture.image.count))
                #expect(answer?.body.isEmpty == true)
            } else {
                #expect(answer?.body.isTheImage == true)
            }
        }
        #expect(fixture.proxy.metrics.coalescedRequests.load(ordering: .relaxed) == 49)
        #expect(fixture.proxy.sharedFetches?.count == 0)
        // The followers were uses too: with min-uses 2 reached, the shared answer was stored.
        #expect(try fixture.request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "HIT")
        #expect(origin.count(of: "/1.jpg") == 1)
    }

    @Test("A HEAD that comes first leads: the GETs after it get the whole image from its one upstream request")
    func headLeads() throws {
        let release = DispatchSemaphore(value: 0)
        let origin = try Self.origin(holdingTheFirstAnswerUntil: release) { ProxyFixture.imageResponse() }
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let key = fixture.key("/1.jpg", upstream: origin.upstream)
        let head = Mutex<RawClient.Response?>(nil)
        let headDone = DispatchSemaphore(value: 0)
        Thread {
            head.withLock { $0 = try? fixture.request(.head, "/1.jpg") }
            headDone.signal()
        }.start()
        #expect(eventually { fixture.proxy.sharedFetches?.count == 1 })
        let answers = Mutex<[RawClient.Response]>([])
        let group = DispatchGroup()
        for method in [HTTPMethod.get, .get, .get, .head] {
            group.enter()
            Thread {
                if let answer = try? fixture.request(method, "/1.jpg") { answers.withLock { $0.append(answer) } }
                group.leave()
            }.start()
        }
        #expect(eventually { fixture.proxy.sharedFetches?.followerCount(of: key) == 4 })
        release.signal()
        group.wait()
        headDone.wait()
        let leader = try #require(head.withLock { $0 })
        #expect(leader.status == 200)
        #expect(leader.headerFields["Content-Length"] == String(ProxyFixture.image.count))
        #expect(leader.body.isEmpty)
        let followers = answers.withLock { $0 }
        #expect(followers.filter { $0.body.isTheImage }.count == 3)
        #expect(followers.filter { $0.body.isEmpty && $0.headerFields["Content-Length"] == String(ProxyFixture.image.count) }.count == 1)
        #expect(origin.count(of: "/1.jpg") == 1)
        // The followers were uses: the shared answer was stored; the HEADs sent no body bytes.
        #expect(try fixture.request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "HIT")
        #expect(try StatisticsTests.stats(fixture).top.first?.bytesSent == 4 * ProxyFixture.image.count)
        #expect(origin.count(of: "/1.jpg") == 1)
    }

    @Test("A HEAD leading only HEADs reads no further into a body too large to store than a GET could still join")
    func headLeaderOfHeadsStopsReading() throws {
        let release = DispatchSemaphore(value: 0)
        let written = Atomic<Int>(-1)
        let origin = try RawOrigin { connection, _ in
            guard connection.readRequestLine() != nil else { return }
            release.wait()
            guard connection.write("HTTP/1.1 200 OK\r\nContent-Length: \(256 << 20)\r\n\r\n") else { return }
            let piece = [UInt8](repeating: 0x61, count: 64 << 10)
            var total = 0
            while total < 256 << 20, connection.write(piece) { total += piece.count }
            written.store(total, ordering: .releasing)
        }
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.maxSize = 1 << 20 }
        let key = fixture.key("/big", upstream: origin.upstream)
        let statuses = Self.leaderAndFollowers(fixture, "/big", count: 2, key: key, release: release, method: .head) { $0.status }
        #expect(statuses == [200, 200])
        #expect(eventually { written.load(ordering: .acquiring) >= 0 })
        // The window (1 MiB) and what the kernel's socket buffers took before the proxy let go.
        #expect(written.load(ordering: .acquiring) < 32 << 20)
        #expect(origin.connectionCount == 1)
        #expect(fixture.proxy.cache.count == 0)
    }

    @Test("A GET right after another's whole answer arrived is a new use, not a follower of the ended fetch")
    func sequentialRequestsAreNotCoalesced() throws {
        let origin = try CountingOrigin { _ in ProxyFixture.imageResponse() }
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let client = try RawClient(port: fixture.port)
        for round in 1...30 {
            let statuses = try (1...3).map { _ in try client.request(.get, "/1.jpg?round=\(round)").headerFields["X-Proxy-Cache"] }
            #expect(statuses == ["MISS", "MISS", "HIT"], "round \(round)")
            #expect(origin.count(of: "/1.jpg?round=\(round)") == 2)
        }
        #expect(fixture.proxy.metrics.coalescedRequests.load(ordering: .relaxed) == 0)
    }

    @Test("The fetch ends when the body's last byte is in, before that byte goes to the leader's client")
    func endsBeforeTheLastByteGoesOut() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let head = HTTPRequestHead(method: .get, target: "/1.jpg", version: .http1_1, headerFields: ["Host": "test"])
        let response = fixture.proxy.respond(to: HTTPRequest(head: head))
        guard case .stream(let count, let producer) = response.body else {
            Issue.record("a MISS is relayed as a stream")
            return
        }
        #expect(fixture.proxy.sharedFetches?.count == 1)
        var written = 0
        var fetchesAtLastByte: Int?
        try producer { piece in
            written += piece.count
            if Int64(written) == count { fetchesAtLastByte = fixture.proxy.sharedFetches?.count }
        }
        #expect(fetchesAtLastByte == 0)
    }

    @Test("A follower gets the body's first bytes while the rest is still on its way")
    func streamsWhileArriving() throws {
        let release = DispatchSemaphore(value: 0)
        let first = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000), second = [UInt8](repeating: UInt8(ascii: "b"), count: 1_000)
        let origin = try RawOrigin { connection, _ in
            guard connection.readRequestLine() != nil else { return }
            connection.write("HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 2000\r\n\r\n")
            connection.write(first)
            release.wait()
            connection.write(second)
        }
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let key = fixture.key("/big.jpg", upstream: origin.upstream)
        let leader = try RawClient(port: fixture.port)
        try leader.send("GET /big.jpg HTTP/1.1\r\nHost: test\r\n\r\n")
        #expect(eventually { fixture.proxy.sharedFetches?.count == 1 })
        let follower = try RawClient(port: fixture.port)
        try follower.send("GET /big.jpg HTTP/1.1\r\nHost: test\r\n\r\n")
        #expect(eventually { fixture.proxy.sharedFetches?.followerCount(of: key) == 1 })
        // Before the origin sends the second half, the follower already has the head and the first.
        let early = try Self.read(follower, until: "\r\n\r\n".utf8.count + 1_000, containing: first)
        #expect(early.starts(with: Array("HTTP/1.1 200 OK\r\n".utf8)))
        release.signal()
        let rest = try follower.readUntilClose(orBytes: 1_000)
        #expect(Array(early.suffix(1_000)) + rest == first + second)
        #expect(try leader.readResponse().body == first + second)
        #expect(origin.connectionCount == 1)
    }

    @Test("An upstream that fails before its head gives every follower the same 502")
    func failureBeforeHead() throws {
        let release = DispatchSemaphore(value: 0)
        let origin = try RawOrigin { connection, _ in
            guard connection.readRequestLine() != nil else { return }
            release.wait()
            connection.write("garbage\r\n\r\n")
        }
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let key = fixture.key("/1.jpg", upstream: origin.upstream)
        let statuses = Self.leaderAndFollowers(fixture, "/1.jpg", count: 4, key: key, release: release) { $0.status }
        #expect(statuses == [502, 502, 502, 502])
        #expect(origin.connectionCount == 1)
    }

    @Test("A body that breaks off closes every GET's connection before its end (a HEAD leader gets its head), and nothing is stored",
          arguments: [HTTPMethod.get, .head])
    func breaksOff(leaderMethod: HTTPMethod) throws {
        let release = DispatchSemaphore(value: 0)
        let origin = try RawOrigin { connection, _ in
            guard connection.readRequestLine() != nil else { return }
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + String(repeating: "a", count: 1_000))
            release.wait()
        }
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.minUses = 1 }
        let key = fixture.key("/1.jpg", upstream: origin.upstream)
        let leader = try RawClient(port: fixture.port)
        try leader.send("\(leaderMethod.rawValue) /1.jpg HTTP/1.1\r\nHost: test\r\n\r\n")
        #expect(eventually { fixture.proxy.sharedFetches?.count == 1 })
        let followers = try (0..<2).map { _ in try RawClient(port: fixture.port) }
        for follower in followers { try follower.send("GET /1.jpg HTTP/1.1\r\nHost: test\r\n\r\n") }
        #expect(eventually { fixture.proxy.sharedFetches?.followerCount(of: key) == 2 })
        release.signal()
        for client in leaderMethod == .get ? [leader] + followers : followers {
            let bytes = try client.readUntilClose()
            let head = try #require(bytes.firstRange(of: Array("\r\n\r\n".utf8)))
            #expect(bytes.count - head.upperBound == 1_000, "the connection closed after the bytes that came, before the end")
        }
        if leaderMethod == .head {
            let answer = try leader.readResponse(to: .head)
            #expect((answer.status, answer.headerFields["Content-Length"]) == (200, "2000"))
        }
        #expect(fixture.proxy.cache.count == 0)
        #expect(fixture.files.isEmpty)
    }

    @Test("An answer that may not be stored (Cache-Control: private) is not shared: each miss asks the origin itself")
    func privateIsNotShared() throws {
        let release = DispatchSemaphore(value: 0)
        let origin = try Self.origin(holdingTheFirstAnswerUntil: release) {
            HTTPResponse(status: .ok, headerFields: ["Cache-Control": "private"], body: .bytes(Array("yours".utf8)))
        }
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let key = fixture.key("/me.jpg", upstream: origin.upstream)
        let bodies = Self.leaderAndFollowers(fixture, "/me.jpg", count: 4, key: key, release: release) { $0.bodyText }
        #expect(bodies == ["yours", "yours", "yours", "yours"])
        #expect(origin.count(of: "/me.jpg") == 4)
    }

    @Test("A miss after an invalidation of its source does not join a fetch that began before it")
    func noJoinAfterInvalidation() throws {
        let release = DispatchSemaphore(value: 0)
        let origin = try Self.origin(holdingTheFirstAnswerUntil: release) { ProxyFixture.imageResponse() }
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.minUses = 1 }
        let done = DispatchSemaphore(value: 0)
        Thread {
            _ = try? fixture.request(.get, "/1.jpg")
            done.signal()
        }.start()
        #expect(eventually { fixture.proxy.sharedFetches?.count == 1 })
        #expect(try InvalidationTests.invalidate(fixture, ["/1.jpg"]).status == 200)
        let after = try fixture.request(.get, "/1.jpg")
        #expect(after.body.isTheImage)
        #expect(origin.count(of: "/1.jpg") == 2)
        release.signal()
        done.wait()
        // The answer that began after the invalidation is the one stored.
        #expect(try fixture.request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "HIT")
        #expect(origin.count(of: "/1.jpg") == 2)
    }

    @Test("When the leader's client goes away, a follower still gets the whole body")
    func leaderLeaves() throws {
        let release = DispatchSemaphore(value: 0)
        let first = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000)
        let origin = try RawOrigin { connection, _ in
            guard connection.readRequestLine() != nil else { return }
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n")
            connection.write(first)
            release.wait()
            connection.write(first)
        }
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let key = fixture.key("/1.jpg", upstream: origin.upstream)
        // Released below: its socket closes, as a browser tab that is closed.
        var leader: RawClient? = try RawClient(port: fixture.port)
        try leader?.send("GET /1.jpg HTTP/1.1\r\nHost: test\r\n\r\n")
        #expect(eventually { fixture.proxy.sharedFetches?.count == 1 })
        let follower = try RawClient(port: fixture.port)
        try follower.send("GET /1.jpg HTTP/1.1\r\nHost: test\r\n\r\n")
        #expect(eventually { fixture.proxy.sharedFetches?.followerCount(of: key) == 1 })
        _ = try Self.read(follower, until: 1_000, containing: first)
        leader = nil
        release.signal()
        let rest = try follower.readUntilClose(orBytes: 1_000)
        #expect(rest == first)
    }

    /// Reads raw bytes from `client` until at least `count` have come and they end with `tail`.
    static func read(_ client: RawClient, until count: Int, containing tail: [UInt8]) throws -> [UInt8] {
        var bytes: [UInt8] = []
        let deadline = ContinuousClock.now + .seconds(5)
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < count || !bytes.suffix(tail.count).elementsEqual(tail) {
            let read = try chunk.withUnsafeMutableBytes { try client.socket.read(into: $0, deadline: deadline) }
            guard read > 0 else { break }
            bytes += chunk[..<read]
        }
        return bytes
    }
}

extension RawClient {
    /// Reads exactly `count` more raw bytes (a body's rest).
    func readUntilClose(orBytes count: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        let deadline = ContinuousClock.now + .seconds(5)
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < count {
            let read = try chunk.withUnsafeMutableBytes { try socket.read(into: $0, deadline: deadline) }
            guard read > 0 else { break }
            bytes += chunk[..<read]
        }
        return bytes
    }
}
