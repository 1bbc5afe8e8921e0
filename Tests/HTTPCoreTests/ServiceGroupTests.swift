import Foundation
import HTTPCore
import Synchronization
import Testing
import TestSupport

@Suite("Several services, one graceful shutdown", .timeLimit(.minutes(1)))
struct ServiceGroupTests {
    /// Counts runs and can hold one in progress until released.
    private final class Runs: Sendable {
        let count = Atomic<Int>(0)
        let started = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let holdsFirstRun: Bool

        init(holdsFirstRun: Bool) { self.holdsFirstRun = holdsFirstRun }

        func run() {
            let number = count.add(1, ordering: .relaxed).newValue
            if number == 1, holdsFirstRun {
                started.signal()
                release.wait()
            }
        }
    }

    @Test("A periodic task runs at its interval until shut down, and never after")
    func periodicTaskRepeatsAndStops() {
        let runs = Runs(holdsFirstRun: false)
        let task = PeriodicTask(label: "test.repeat", interval: .milliseconds(20)) { runs.run() }
        task.start()
        let deadline = ContinuousClock.now + .seconds(10)
        while runs.count.load(ordering: .relaxed) < 3, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        task.shutdown()
        #expect(task.waitUntilStopped(timeout: .seconds(5)))
        let stopped = runs.count.load(ordering: .relaxed)
        #expect(stopped >= 3)
        Thread.sleep(forTimeInterval: 0.1)  // five intervals: none may run
        #expect(runs.count.load(ordering: .relaxed) == stopped)
    }

    @Test("Shutdown stops every service together and waits for what is in flight in each")
    func groupWaitsForWorkInFlight() throws {
        let requestArrived = DispatchSemaphore(value: 0)
        let finishRequest = DispatchSemaphore(value: 0)
        let server = try HTTPServer(configuration: ServerConfiguration(accessLog: .disabled), handler: ClosureHandler { _ in
            requestArrived.signal()
            finishRequest.wait()
            return .text(.ok, "finished")
        })
        let runs = Runs(holdsFirstRun: true)
        let sweep = PeriodicTask(label: "test.sweep", interval: .milliseconds(10)) { runs.run() }
        let group = ServiceGroup([server, sweep], gracePeriod: .seconds(5))
        group.start()

        let client = try RawClient(port: server.port)
        try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        requestArrived.wait()
        runs.started.wait()
        group.shutdown()
        // Both are still busy: the group has not stopped.
        #expect(!group.waitUntilStopped(timeout: .milliseconds(200)))
        #expect(throws: SocketError.self) { try RawClient(port: server.port, timeout: .seconds(1)) }
        finishRequest.signal()
        runs.release.signal()
        #expect(group.waitUntilStopped(timeout: .seconds(5)))
        let response = try client.readResponse()
        #expect(response.bodyText == "finished\n")
        #expect(response.headerFields["Connection"] == "close")
        #expect(runs.count.load(ordering: .relaxed) == 1)
    }
}
