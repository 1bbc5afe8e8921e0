import Foundation
import Synchronization

/// One run of a built executable to its end: its exit status and what it printed.
public struct CommandRun: Sendable {
    public var status: Int32
    public var output: String
    public var errors: String

    /// Standard output's lines.
    public var lines: [String] { output.split(separator: "\n").map(String.init) }

    /// Runs the built `product` (found with `ServerProcess.findProductDirectory`) with `arguments`,
    /// and `environment` added to this process's.
    public static func run(product: String, _ arguments: [String], environment: [String: String] = [:]) throws -> CommandRun {
        guard let directory = ServerProcess.findProductDirectory(containing: product) else {
            throw ServerProcess.StartError.notBuilt(product)
        }
        return try run(executable: directory + "/" + product, arguments, environment: environment)
    }

    /// Runs `executable` with `arguments`, and `environment` added to this process's.
    public static func run(executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> CommandRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read both before waiting: a child that fills a pipe no one reads never exits.
        let errorData = Mutex(Data())
        let errorsRead = DispatchSemaphore(value: 0)
        Thread {
            errorData.withLock { $0 = errors.fileHandleForReading.readDataToEndOfFile() }
            errorsRead.signal()
        }.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        errorsRead.wait()
        process.waitUntilExit()
        return CommandRun(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
                          errors: String(decoding: errorData.withLock { $0 }, as: UTF8.self))
    }
}

/// The files of a directory tree.
public enum FileTree {
    /// Every regular file under `directory`, relative to it (`5/7f/b37d…`), sorted; empty when
    /// there is no such directory.
    public static func files(under directory: String) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory)
        var files: [String] = []
        while let relative = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(relative)
            }
        }
        return files.sorted()
    }
}
