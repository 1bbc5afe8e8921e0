import Foundation
import HTTPCore

/// A real `redis-server` on a free port, its data in a temporary directory (append-only file,
/// flushed on every write, so a restart keeps what it had), for the fleet tests.
public final class RedisServer: @unchecked Sendable {
    // @unchecked: `process` is replaced only by `restart()`, which a test calls from its own thread.
    /// Where Debian's `redis-server` package puts it; `nil` when it is not installed.
    public static let executable: String? = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
    public static var isInstalled: Bool { executable != nil }

    public let port: Int
    public let directory: TemporaryDirectory
    private var process: Process

    /// Starts redis-server and waits (at most 10 s) until it answers.
    public init() throws {
        directory = try TemporaryDirectory()
        // A port that was free a moment ago: redis-server cannot take port 0 and report it.
        let probe = try Socket.listen(host: "127.0.0.1", port: 0)
        port = probe.localPort
        probe.shutdown()
        process = Process()
        try start()
    }

    deinit { stop() }

    /// The address nodes are given: `redis://127.0.0.1:PORT`.
    public var url: String { "redis://127.0.0.1:\(port)" }

    /// Stops it with Redis's own `SHUTDOWN` (it flushes its data and exits) and waits for it; a
    /// Redis that is still there after 5 s is killed.
    ///
    /// Why not SIGTERM: a child inherits the signal mask of the thread that started it, and a
    /// test process that blocked SIGTERM for a `signalfd` would start a Redis that never sees it.
    public func stop() {
        guard process.isRunning else { return }
        if let socket = try? Socket.connect(host: "127.0.0.1", port: port, timeout: .seconds(1)) {
            let command = Array("SHUTDOWN\r\n".utf8)
            _ = try? command.withUnsafeBytes { try socket.write($0, timeout: .seconds(1)) }
        }
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Starts it again on the same port with the same data.
    public func restart() throws {
        stop()
        process = Process()
        try start()
    }

    private func start() throws {
        guard let executable = Self.executable else { throw StartError.notInstalled }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--dir", directory.path, "--save", "",
                             "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no", "--loglevel", "warning"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let socket = try? Socket.connect(host: "127.0.0.1", port: port, timeout: .seconds(1)) {
                let ping = Array("PING\r\n".utf8)
                if (try? ping.withUnsafeBytes({ try socket.write($0, timeout: .seconds(1)) })) != nil {
                    var reply = [UInt8](repeating: 0, count: 64)
                    let count = (try? reply.withUnsafeMutableBytes { try socket.read(into: $0, deadline: .now + .seconds(1)) }) ?? 0
                    if count > 0, reply.starts(with: Array("+PONG".utf8)) { return }
                }
            }
            guard process.isRunning else { throw StartError.exited }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw StartError.noAnswer
    }

    public enum StartError: Error {
        case notInstalled, exited, noAnswer
    }
}
