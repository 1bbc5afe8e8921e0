import Foundation

/// One subcommand of a tool (`Step4Purge inspect …`): its name, a line about it, its usage, and
/// how it reads its arguments.
///
/// A tool has a default subcommand (the server, run with no subcommand name) and others;
/// `CommandLineTool.runSubcommands` picks one by the first argument. Each has its own `--help`
/// and its own usage in its errors.
public struct Subcommand: Sendable {
    /// The name that selects it, such as `inspect`.
    public let name: String
    /// One line for the list of subcommands.
    public let summary: String
    /// The full usage text, printed for `--help` and after a usage error.
    public let usage: String
    /// Reads the subcommand's arguments, all of them (finishing them is its job), and returns
    /// what to run; a bad argument throws before anything runs. The action returns the exit status.
    public let parse: @Sendable (inout CommandLineArguments) throws(UsageError) -> @Sendable () -> Int32

    public init(name: String, summary: String, usage: String,
                parse: @escaping @Sendable (inout CommandLineArguments) throws(UsageError) -> @Sendable () -> Int32) {
        self.name = name
        self.summary = summary
        self.usage = usage
        self.parse = parse
    }
}

extension CommandLineTool {
    /// What a tool with subcommands does with its arguments.
    public enum SubcommandOutcome {
        /// Run this subcommand's action, whose result is the exit status.
        case run(name: String, action: @Sendable () -> Int32)
        /// Print this help on standard output and exit 0.
        case help(String)
        /// Print the error and this usage on standard error and exit 2.
        case usageError(UsageError, usage: String)
    }

    /// Picks the subcommand the first argument names (or `defaultSubcommand` when it names
    /// none) and reads the rest of the arguments with it.
    public static func resolve(_ arguments: [String], default defaultSubcommand: Subcommand,
                               others: [Subcommand]) -> SubcommandOutcome {
        let chosen = arguments.first.flatMap { first in others.first { $0.name == first } }
        let subcommand = chosen ?? defaultSubcommand
        let rest = chosen == nil ? arguments[...] : arguments.dropFirst()
        // The default's help lists the other subcommands too.
        let usage = chosen == nil ? defaultUsage(defaultSubcommand, others: others) : subcommand.usage
        do {
            var parsed = try CommandLineArguments(rest)
            return .run(name: subcommand.name, action: try subcommand.parse(&parsed))
        } catch .helpRequested {
            return .help(usage)
        } catch {
            return .usageError(error, usage: usage)
        }
    }

    /// Runs the subcommand this process's arguments name and exits with its status: 0 after
    /// `--help`, 2 after a usage error (with the subcommand's usage on standard error).
    public static func runSubcommands(default defaultSubcommand: Subcommand, others: [Subcommand]) -> Never {
        switch resolve(Array(CommandLine.arguments.dropFirst()), default: defaultSubcommand, others: others) {
        case .run(_, let action):
            Foundation.exit(action())
        case .help(let usage):
            FileHandle.standardOutput.write(Data(message(for: .helpRequested, usage: usage).utf8))
            Foundation.exit(0)
        case .usageError(let error, let usage):
            FileHandle.standardError.write(Data(message(for: error, usage: usage).utf8))
            Foundation.exit(error.exitStatus)
        }
    }

    /// The default subcommand's usage followed by the list of the others.
    private static func defaultUsage(_ defaultSubcommand: Subcommand, others: [Subcommand]) -> String {
        guard !others.isEmpty else { return defaultSubcommand.usage }
        let width = others.map(\.name.count).max() ?? 0
        let list = others.map { "  " + $0.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.summary }
        let usage = defaultSubcommand.usage.hasSuffix("\n") ? String(defaultSubcommand.usage.dropLast()) : defaultSubcommand.usage
        return usage + "\n\nsubcommands (each has its own --help):\n" + list.joined(separator: "\n")
    }
}
