import Foundation
import HTTPCore

/// A step's executable started as a real process on a free port (chapters' transcripts, signal
/// and exit-status tests): its stdout goes to a file (so a busy access log can never
/// fill a pipe and block it) whose first line must be `listening on http://127.0.0.1:PORT`.
public final class ServerProcess {
    public let port: Int
    private let process = Process()
    private let outputFile: String

    /// Why a server could not be started.
    public enum StartError: Error, CustomStringConvertible {
        case notBuilt(String)
        case exited(String, output: String)
        case noAddress(String, output: String)

        public var description: String {
            switch self {
            case .notBuilt(let path): "\(path) is not built (run `swift build`)"
            case .exited(let path, let output): "\((path as NSString).lastPathComponent) exited before listening; it printed: \(output.debugDescription)"
            case .noAddress(let path, let output): "\((path as NSString).lastPathComponent) did not print `listening on http://127.0.0.1:PORT` within 10 s; it printed: \(output.debugDescription)"
            }
        }
    }

    /// Starts `executable arguments --port PORT` (any free port by default) and waits (at most
    /// 10 s) for its address line.
    ///
    /// A `--port` already among `arguments` gets `port` as its value instead. A server that prints
    /// no address line (`announcesAddress: false`, such as redis-server) must be given its port,
    /// and is ready once it accepts a connection there.
    public init(executable: String, arguments: [String], port: Int = 0,
                workingDirectory: String = FileManager.default.currentDirectoryPath,
                environment: [String: String] = [:], announcesAddress: Bool = true) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else { throw StartError.notBuilt(executable) }
        outputFile = NSTemporaryDirectory() + "docs-server-" + UUID().uuidString + ".out"
        _ = FileManager.default.createFile(atPath: outputFile, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Self.replacingOption("--port", with: String(port), in: arguments)
        process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory)
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: outputFile)
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            try? FileManager.default.removeItem(atPath: outputFile)
            throw error
        }

        let deadline = ContinuousClock.now + .seconds(10)
        var output = ""
        while true {
            output = (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
            if !announcesAddress, port > 0, (try? Socket.connect(host: "127.0.0.1", port: port, timeout: .milliseconds(200))) != nil {
                self.port = port
                return
            }
            if announcesAddress, let newline = output.firstIndex(of: "\n"),
               let port = Self.port(inAddressLine: String(output[..<newline])) {
                self.port = port
                return
            }
            let hasExited = !process.isRunning
            if hasExited || ContinuousClock.now > deadline {
                Self.stop(process, outputFile: outputFile)
                throw hasExited ? StartError.exited(executable, output: output) : StartError.noAddress(executable, output: output)
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    /// `arguments` with `option`'s value set to `value`: replaced where the option is given, added
    /// at the end where it is not.
    public static func replacingOption(_ option: String, with value: String, in arguments: [String]) -> [String] {
        guard let index = arguments.firstIndex(of: option), index + 1 < arguments.count else {
            return arguments + [option, value]
        }
        var replaced = arguments
        replaced[index + 1] = value
        return replaced
    }

    /// The port in `listening on http://HOST:PORT` (a trailing path or text is allowed).
    public static func port(inAddressLine line: String) -> Int? {
        guard let range = line.range(of: "listening on http://") else { return nil }
        let address = line[range.upperBound...].prefix(while: { !$0.isWhitespace && $0 != "/" })
        guard let colon = address.lastIndex(of: ":") else { return nil }
        return Int(address[address.index(after: colon)...])
    }

    /// SIGTERM, then SIGKILL if the server is still running after 5 s; removes the output file.
    public func stop() { Self.stop(process, outputFile: outputFile) }

    deinit { stop() }

    private static func stop(_ process: Process, outputFile: String) {
        defer { try? FileManager.default.removeItem(atPath: outputFile) }
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        // Foundation starts each child in its own process group: take down anything it forked too.
        if process.isRunning { kill(-process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Everything the process has written to standard output so far, the address line first.
    public var output: String {
        (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
    }

    /// Waits up to `timeout` for a line of standard output containing `text`; that line, or `nil`.
    public func waitForOutputLine(containing text: String, timeout: Duration = .seconds(10)) -> String? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = output.split(separator: "\n").first(where: { $0.contains(text) }) { return String(line) }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return nil
    }

    /// Sends `signal` to the process.
    public func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits up to `timeout` for the process to exit; its exit status, or `nil` if it still runs.
    public func waitForExit(timeout: Duration) -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Starts the built executable `name` (found with `findProductDirectory`), with `environment`
    /// added to this process's.
    public convenience init(product name: String, arguments: [String] = [], environment: [String: String] = [:]) throws {
        guard let directory = Self.findProductDirectory(containing: name) else { throw StartError.notBuilt(name) }
        try self.init(executable: directory + "/" + name, arguments: arguments, environment: environment)
    }

    /// The directory of the built products: the nearest parent of this test binary holding a
    /// `Step1Origin` executable (`swift test` builds every executable before the tests).
    public static func findProductDirectory(containing product: String = "Step1Origin") -> String? {
        let binary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: binary).deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.isExecutableFile(atPath: directory.path + "/" + product) { return directory.path }
            directory.deleteLastPathComponent()
        }
        return nil
    }
}
