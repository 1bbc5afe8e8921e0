import Foundation
import HTTPCore
import Synchronization
import Testing
import TestSupport
@testable import HTTPCore

@Suite("HTTPServer under floods and stalls: the cap, idle connections, and time limits", .timeLimit(.minutes(1)))
struct ServerLimitsTests {
    private static let hello = ClosureHandler { _ in .text(.ok, "hello") }

    private static func configuration(maxConnections: Int = 1024, ioTimeout: Duration = .seconds(60)) -> ServerConfiguration {
        var configuration = ServerConfiguration(accessLog: .disabled)
        configuration.maxConnections = maxConnections
        configuration.ioTimeout = ioTimeout
        return configuration
    }

    // MARK: - Idle connections make room at the cap

    @Test("At the cap, idle keep-alive connections are closed to answer a new client at once")
    func idleKeepAliveConnectionsMakeRoom() throws {
        let server = try TestServer(handler: Self.hello, configuration: Self.configuration(maxConnections: 4))
        let idle = try (0..<4).map { _ in try RawClient(port: server.port) }
        for client in idle {
            try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().status == 200)
        }
        let start = ContinuousClock.now
        let newcomer = try RawClient(port: server.port, timeout: .seconds(5))
        try newcomer.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try newcomer.readResponse().status == 200)
        #expect(start.duration(to: .now) < .seconds(2))  // not the 75 s idle timeout
        // One idle connection made room (which one: see ConnectionRegistryTests).
        let closed = idle.filter { $0.isClosedByServer(within: .milliseconds(300)) }
        #expect(closed.count == 1)
    }

    @Test("At the cap, slowloris connections still sending their heads are closed to answer a new client")
    func slowHeadsMakeRoom() throws {
        let server = try TestServer(handler: Self.hello, configuration: Self.configuration(maxConnections: 4))
        let slow = try (0..<4).map { _ in try RawClient(port: server.port) }
        for client in slow { try client.send("GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ") }
        let newcomer = try RawClient(port: server.port, timeout: .seconds(5))
        try newcomer.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try newcomer.readResponse().status == 200)
    }

    @Test("At the cap, connections busy with a request are never closed: a new client waits")
    func busyConnectionsAreKept() throws {
        let release = DispatchSemaphore(value: 0)
        let server = try TestServer(handler: ClosureHandler { _ in
            release.wait()
            return .text(.ok, "done")
        }, configuration: Self.configuration(maxConnections: 2))
        let busy = try (0..<2).map { _ in try RawClient(port: server.port) }
        for client in busy { try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n") }
        Thread.sleep(forTimeInterval: 0.2)
        let waiting = try RawClient(port: server.port)
        try waiting.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try waiting.socket.waitForInput(until: .now + .milliseconds(300)) == false)
        for _ in 0..<3 { release.signal() }
        for client in busy + [waiting] { #expect(try client.readResponse().bodyText == "done\n") }
    }

    // MARK: - Time limits

    @Test("A request body that stops arriving is answered 408, not closed silently")
    func stalledBodyIs408() throws {
        let server = try TestServer(handler: Self.hello, configuration: Self.configuration(ioTimeout: .milliseconds(300)))
        let client = try RawClient(port: server.port)
        try client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nab")
        let response = try client.readResponse()
        #expect(response.status == 408)
        #expect(response.bodyText == "request content not received in time\n")
    }

    @Test("The write timeout bounds a stall, however many partial writes came before it")
    func writeStallIsBounded() throws {
        let finished = Mutex<ContinuousClock.Instant?>(nil)
        var configuration = Self.configuration(ioTimeout: .seconds(1))
        configuration.accessLog = AccessLog { _ in finished.withLock { $0 = .now } }
        let large = [UInt8](repeating: 7, count: 64 << 20)
        let server = try TestServer(handler: ClosureHandler { _ in HTTPResponse(status: .ok, body: .bytes(large)) },
                                    configuration: configuration)
        let client = try RawClient(port: server.port)
        let start = ContinuousClock.now
        try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        // The client never reads: the socket buffers fill, then nothing moves for the timeout.
        while finished.withLock({ $0 }) == nil, start.duration(to: .now) < .seconds(20) {
            Thread.sleep(forTimeInterval: 0.02)
        }
        let elapsed = start.duration(to: finished.withLock { $0 } ?? .now)
        #expect(elapsed >= .seconds(1))
        #expect(elapsed < .milliseconds(1800))
    }

    // MARK: - The open-file limit

    @Test("The connection cap fits the open-file limit", arguments: [
        (1024, 1 << 20, 1024),  // a generous limit: the cap as asked
        (1024, 1024, 448),      // (1024 - 128 reserved) / 2 descriptors per connection
        (10, 200, 10),
        (1024, 100, 1),         // never 0: one connection always fits somehow
    ])
    func connectionCapFitsTheLimit(requested: Int, openFileLimit: Int, expected: Int) {
        #expect(DescriptorLimit.connectionCap(requested: requested, openFileLimit: openFileLimit) == expected)
    }

    @Test("A server whose connections hold three descriptors gets a cap of a third of what remains")
    func threeDescriptorsPerConnection() throws {
        #expect(DescriptorLimit.connectionCap(requested: 1024, openFileLimit: 1024, perConnection: 3) == 298)
        var configuration = ServerConfiguration(maxConnections: 1 << 30, accessLog: .disabled)
        configuration.descriptorsPerConnection = 3
        let server = try HTTPServer(configuration: configuration, handler: ClosureHandler { _ in .text(.ok, "") })
        #expect(server.maxConnections == DescriptorLimit.connectionCap(requested: 1 << 30, openFileLimit: DescriptorLimit.raiseToHardLimit(),
                                                                        perConnection: 3))
    }
}

@Suite("The connection registry: which connection makes room at the cap", .timeLimit(.minutes(1)))
struct ConnectionRegistryTests {
    /// A socket to register: a listener on a free port stands in for a connection.
    private func makeSocket() throws -> Socket {
        try Socket.listen(host: "127.0.0.1", port: 0)
    }

    @Test("The connection idle for longest is closed first; busy ones never")
    func longestIdleFirst() throws {
        let clock = ManualClock()
        let registry = ConnectionRegistry(now: { clock.now })
        let ids = try (0..<3).map { _ in registry.register(try makeSocket()) }
        for id in [ids[1], ids[2], ids[0]] {
            registry.markIdle(id)
            clock.advance(by: .milliseconds(1))
        }
        #expect(registry.reclaimLongestIdle())
        #expect(registry.isReclaimed(ids[1]))
        #expect(!registry.markBusy(ids[1]))
        // While that one is on its way out, no second connection is closed for the same newcomer.
        #expect(registry.reclaimLongestIdle())
        #expect(!registry.isReclaimed(ids[2]))
        registry.unregister(ids[1])
        #expect(registry.markBusy(ids[2]))
        #expect(registry.reclaimLongestIdle())
        #expect(registry.isReclaimed(ids[0]))
        registry.unregister(ids[0])
        #expect(!registry.reclaimLongestIdle())  // only a busy connection is left
        #expect(!registry.isReclaimed(ids[2]))
    }

    @Test("A head that has been arriving for longer than slowHeadAge is closed when no connection is idle")
    func slowHeads() throws {
        let clock = ManualClock()
        let registry = ConnectionRegistry(slowHeadAge: .milliseconds(50), now: { clock.now })
        let fresh = registry.register(try makeSocket())
        let slow = registry.register(try makeSocket())
        #expect(registry.markReadingHead(slow))
        clock.advance(by: .milliseconds(30))
        #expect(registry.markReadingHead(fresh))
        // Neither head is older than slowHeadAge yet, and no connection is idle: nothing to close.
        #expect(!registry.reclaimLongestIdle())
        clock.advance(by: .milliseconds(30))
        #expect(registry.reclaimLongestIdle())
        #expect(registry.isReclaimed(slow))
        #expect(!registry.markBusy(slow))
        registry.unregister(slow)
        // The other head is younger than slowHeadAge: it is left to finish.
        #expect(!registry.reclaimLongestIdle())
        #expect(registry.markBusy(fresh))
    }
}
