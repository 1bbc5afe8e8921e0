import Foundation
import HTTPCore
import Synchronization
import Testing
import TestSupport
@testable import Step5Invalidation
import NginxCache

@Suite("A body is read only as far as someone uses it: --max-size bounds what is collected", .timeLimit(.minutes(1)))
struct RelayMemoryTests {
    /// An origin that answers every request with `head` and then up to 256 MiB of body in
    /// 64 KiB pieces (chunked when `isChunked`), counting the body bytes the proxy took.
    private final class LargeBodyOrigin: Sendable {
        let origin: RawOrigin
        private let written = Lock<[Int]>([])

        init(head: String, isChunked: Bool) throws {
            let written = self.written
            origin = try RawOrigin { connection, _ in
                guard connection.readRequestLine() != nil, connection.write(head) else { return }
                let piece = [UInt8](repeating: 0x61, count: 64 << 10)
                let chunk = isChunked ? Array("10000\r\n".utf8) + piece + [13, 10] : piece
                var total = 0
                while total < 256 << 20, connection.write(chunk) { total += piece.count }
                written.withLock { $0.append(total) }
            }
        }

        /// The body bytes written on each connection that has ended, waiting up to 10 s for `count` of them.
        func bytesWritten(connections count: Int) -> [Int] {
            let deadline = ContinuousClock.now + .seconds(10)
            while written.withLock({ $0.count }) < count, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
            return written.withLock { $0 }
        }
    }

    @Test("A HEAD whose announced body is larger than --max-size never reads the body")
    func headOfTooLargeBodyReadsNothing() throws {
        let large = try LargeBodyOrigin(head: "HTTP/1.1 200 OK\r\nContent-Length: \(256 << 20)\r\n\r\n", isChunked: false)
        let fixture = try ProxyFixture(upstream: large.origin.upstream) { $0.maxSize = 1 << 20 }
        for _ in 1...2 {  // the second is admitted (min-uses 2), and still not worth reading
            let response = try fixture.request(.head, "/big")
            #expect(response.status == 200)
            #expect(response.headerFields["Content-Length"] == "\(256 << 20)")
        }
        // What the kernel's socket buffers took before the proxy dropped the connection, no more.
        #expect(large.bytesWritten(connections: 2).allSatisfy { $0 < 32 << 20 })
        #expect(fixture.proxy.cache.count == 0)
    }

    @Test("An admitted HEAD with a chunked body stops reading once it passes --max-size")
    func admittedHeadStopsAtTheLimit() throws {
        let large = try LargeBodyOrigin(head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", isChunked: true)
        let fixture = try ProxyFixture(upstream: large.origin.upstream) { $0.maxSize = 1 << 20 }
        #expect(try fixture.request(.head, "/big").status == 200)
        #expect(try fixture.request(.head, "/big").status == 200)
        #expect(large.bytesWritten(connections: 2).allSatisfy { $0 < 32 << 20 })
        #expect(fixture.proxy.cache.count == 0)
    }

    @Test("An admitted GET of a chunked body larger than --max-size is relayed whole, chunked, and not stored")
    func largeChunkedGetIsRelayedNotStored() throws {
        let body = [UInt8](repeating: 0x62, count: 3 << 20)
        var reply = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        for start in stride(from: 0, to: body.count, by: 100_000) {
            let piece = body[start..<min(start + 100_000, body.count)]
            reply += Array((String(piece.count, radix: 16) + "\r\n").utf8) + piece + [13, 10]
        }
        reply += Array("0\r\n\r\n".utf8)
        let origin = try ScriptedOrigin(reply: reply)
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.maxSize = 1 << 20 }
        for cacheStatus in ["MISS", "MISS", "MISS"] {
            let response = try fixture.request(.get, "/big")
            #expect(response.headerFields["X-Proxy-Cache"] == cacheStatus)
            #expect(response.headerFields["Transfer-Encoding"] == "chunked")
            #expect(response.body == body)
        }
        #expect(fixture.proxy.cache.count == 0)
    }
}
