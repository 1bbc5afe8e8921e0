import Foundation
import HTTPCore
import Testing
import TestSupport

@Suite("HTTPClient against upstreams that misbehave over time", .timeLimit(.minutes(1)))
struct UpstreamMisbehaviourTests {
    @Test("A body delimited by the close that ends in a reset is truncated, not complete", arguments: [
        "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nTransfer-Encoding: gzip\r\n\r\n",
        "HTTP/1.0 200 OK\r\nContent-Type: image/jpeg\r\n\r\n",
    ])
    func resetIsTruncation(head: String) throws {
        let headRead = DispatchSemaphore(value: 0)
        let origin = try RawOrigin { connection, _ in
            guard connection.readRequestLine() != nil else { return }
            connection.write(head + String(repeating: "x", count: 5000))
            headRead.wait()  // the reset comes once the client has the head, in the body
            connection.resetWhenClosed()
        }
        let client = HTTPClient(upstream: origin.upstream)
        let response = try client.send(method: .get, target: "/1.jpg")
        headRead.signal()
        #expect(response.framing == .untilClose)
        #expect(throws: HTTPClientError.truncatedBody) { try response.readWholeBody() }
    }

    @Test("A body delimited by a clean close is complete")
    func cleanCloseIsComplete() throws {
        let origin = try RawOrigin { connection, _ in
            guard connection.readRequestLine() != nil else { return }
            connection.write("HTTP/1.1 200 OK\r\n\r\n" + String(repeating: "x", count: 5000))
        }
        let client = HTTPClient(upstream: origin.upstream)
        #expect(try client.send(method: .get, target: "/").readWholeBody().count == 5000)
    }

    @Test("A stray response written on an idle pooled connection never answers the next request")
    func strayBytesDropTheConnection() throws {
        let answered = DispatchSemaphore(value: 0), strayWritten = DispatchSemaphore(value: 0)
        let origin = try RawOrigin { connection, _ in
            while let line = connection.readRequestLine() {
                if line.hasPrefix("GET /a ") {
                    connection.write("HTTP/1.1 204 No Content\r\n\r\n")
                    answered.wait()  // the client has its answer and pools the connection
                    connection.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstray")
                    strayWritten.signal()
                } else {
                    connection.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                }
            }
        }
        let client = HTTPClient(upstream: origin.upstream)
        #expect(try client.send(method: .get, target: "/a").status.code == 204)
        answered.signal()
        strayWritten.wait()
        Thread.sleep(forTimeInterval: 0.05)  // loopback: the written bytes reach the pooled socket
        let response = try client.send(method: .post, target: "/b")
        #expect(try response.readWholeBody() == Array("ok".utf8))
        #expect(origin.connectionCount == 2)
    }

    @Test("A POST after the upstream closed the pooled connection goes out on a new one")
    func postAfterIdleClose() throws {
        let answered = DispatchSemaphore(value: 0), closed = DispatchSemaphore(value: 0)
        let origin = try RawOrigin { connection, _ in
            guard connection.readRequestLine() != nil else { return }
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            answered.wait()
            // Closed while the client holds it idle in its pool.
            connection.socket.shutdown()
            closed.signal()
        }
        let client = HTTPClient(upstream: origin.upstream)
        _ = try client.send(method: .get, target: "/first").readWholeBody()
        answered.signal()
        closed.wait()
        Thread.sleep(forTimeInterval: 0.05)  // loopback: the close reaches the pooled socket
        #expect(try client.send(method: .post, target: "/second", body: Array("data".utf8)).readWholeBody() == Array("ok".utf8))
    }

    @Test("Interim 1xx responses do not extend the response timeout")
    func interimResponsesDoNotExtendTheTimeout() throws {
        let origin = try RawOrigin { connection, _ in
            guard connection.readRequestLine() != nil else { return }
            for _ in 0..<50 {  // 5 s of "100 Continue", never a final answer
                connection.write("HTTP/1.1 100 Continue\r\n\r\n")
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        let client = HTTPClient(upstream: origin.upstream, responseTimeout: .milliseconds(500))
        let start = ContinuousClock.now
        #expect(throws: HTTPClientError.timedOut) { try client.send(method: .get, target: "/") }
        #expect(start.duration(to: .now) < .seconds(3))
    }

    @Test("Running out of descriptors is 503, not 502: the upstream did nothing wrong")
    func outOfDescriptorsIsServiceUnavailable() {
        #expect(HTTPClientError.connectFailed(.system(call: "socket", errno: EMFILE)).status == .serviceUnavailable)
        #expect(HTTPClientError.connectFailed(.system(call: "socket", errno: ECONNREFUSED)).status == .badGateway)
    }
}
