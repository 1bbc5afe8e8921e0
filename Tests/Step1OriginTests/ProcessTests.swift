import Foundation
import HTTPCore
import Testing
import TestSupport

/// The built `Step1Origin` executable, run as a real process: what a workshop attendee runs.
@Suite("Step1Origin as a process", .timeLimit(.minutes(2)))
struct ProcessTests {
    @Test("SIGTERM lets the response in flight finish, refuses new connections and exits 0", arguments: [SIGTERM, SIGINT])
    func gracefulShutdown(signal: Int32) throws {
        let origin = try ServerProcess(product: "Step1Origin", arguments: ["--delay", "800"])
        let client = try RawClient(port: origin.port)
        try client.send("GET /1.jpg HTTP/1.1\r\nHost: t\r\n\r\n")
        Thread.sleep(forTimeInterval: 0.3)  // the request is now waiting out its delay
        origin.send(signal)
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.body == (try SampleImages.bytes("1.jpg")))
        #expect(response.headerFields["Connection"] == "close")
        #expect(origin.waitForExit(timeout: .seconds(10)) == 0)
        #expect(throws: SocketError.self) { try RawClient(port: origin.port) }
    }

    @Test("Under a low open-file limit, 300 clients at once all get the image: the cap fits the limit, no 500")
    func lowOpenFileLimit() throws {
        let directory = try #require(ServerProcess.findProductDirectory(containing: "Step1Origin"))
        // The shell lowers both limits, then becomes Step1Origin with `--port 0` appended.
        let origin = try ServerProcess(executable: "/bin/sh", arguments: [
            "-c", "ulimit -n 256 && exec \"$0\" \"$@\"", directory + "/Step1Origin", "--max-connections", "1024",
        ])
        let image = try SampleImages.bytes("3.jpg")
        // Each client asks at once (a client that connects and stays silent is idle, and may be
        // closed to make room for others).
        let clients = try (0..<300).map { _ in
            let client = try RawClient(port: origin.port, timeout: .seconds(30))
            try client.send("GET /3.jpg HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            return client
        }
        for client in clients {
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.body == image)
        }
    }

    @Test("--help prints the usage on standard output and exits 0")
    func help() throws {
        let result = try run(["--help"])
        #expect(result.status == 0)
        #expect(result.standardOutput.hasPrefix("usage: Step1Origin"))
        #expect(result.standardError.isEmpty)
    }

    @Test("An unknown or malformed flag prints the error and usage on standard error and exits 2", arguments: [
        (["--bogus"], "error: unknown option --bogus"),
        (["--port", "http"], "error: --port: \"http\" is not"),
        (["--delay", "-5"], "error: --delay: \"-5\" is not a whole number of milliseconds"),
        (["--port", "1", "--port", "2"], "error: --port is given more than once"),
    ])
    func usageError(arguments: [String], message: String) throws {
        let result = try run(arguments)
        #expect(result.status == 2)
        #expect(result.standardOutput.isEmpty)
        #expect(result.standardError.hasPrefix(message), "\(result.standardError)")
        #expect(result.standardError.contains("usage: Step1Origin"))
    }

    @Test("A root that does not exist is reported on standard error with exit status 1")
    func missingRoot() throws {
        let result = try run(["--root", "/nonexistent-directory", "--port", "0"])
        #expect(result.status == 1)
        #expect(result.standardError.hasPrefix("error: cannot serve /nonexistent-directory"), "\(result.standardError)")
    }

    /// Runs Step1Origin to completion with `arguments` (only for arguments that make it exit).
    private func run(_ arguments: [String]) throws -> (status: Int32, standardOutput: String, standardError: String) {
        let run = try CommandRun.run(product: "Step1Origin", arguments)
        return (run.status, run.output, run.errors)
    }
}
