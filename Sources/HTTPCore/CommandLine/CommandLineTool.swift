import Foundation

/// The start of every step's `main.swift`: read the options, or answer `--help` or a usage error and exit.
///
/// ```swift
/// let options = CommandLineTool.parseOrExit(usage: Options.usage) { arguments in
///     try Options(arguments: &arguments)
/// }
/// ```
public enum CommandLineTool {
    /// The options that `parse` reads from this process's arguments; exits if there are none to read.
    ///
    /// On `-h` or `--help`, prints `usage` to standard output and exits with status 0. On any
    /// other usage error, prints `error: <description>` and `usage` to standard error and exits
    /// with status 2, the conventional status for a command-line usage error.
    public static func parseOrExit<Options>(
        usage: String,
        _ parse: (inout CommandLineArguments) throws(UsageError) -> Options
    ) -> Options {
        do {
            return try self.parse(CommandLine.arguments.dropFirst(), with: parse)
        } catch {
            // FileHandle, because Swift 6 rejects C's global `stdout` and `stderr` as shared mutable state.
            let output: FileHandle = error == .helpRequested ? .standardOutput : .standardError
            output.write(Data(message(for: error, usage: usage).utf8))
            Foundation.exit(error.exitStatus)
        }
    }

    /// Prints `error: <message>` to standard error and exits with status 1, for a tool that cannot run.
    ///
    /// For failures after the arguments were accepted, such as a port already in use; usage
    /// errors exit with status 2 through `parseOrExit`.
    public static func exit(because message: String) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        Foundation.exit(1)
    }

    /// The options that `parse` reads from `arguments`; anything `parse` leaves unread is an error.
    public static func parse<Options>(
        _ arguments: some Sequence<String>,
        with parse: (inout CommandLineArguments) throws(UsageError) -> Options
    ) throws(UsageError) -> Options {
        var arguments = try CommandLineArguments(arguments)
        let options = try parse(&arguments)
        try arguments.finish()
        return options
    }

    /// What to print for `error`: the usage alone for help, else the error's line and the usage.
    public static func message(for error: UsageError, usage: String) -> String {
        let usage = usage.hasSuffix("\n") ? usage : usage + "\n"
        return error == .helpRequested ? usage : "error: \(error)\n\n\(usage)"
    }
}
