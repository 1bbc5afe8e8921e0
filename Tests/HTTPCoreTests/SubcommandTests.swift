import HTTPCore
import Testing

@Suite("Subcommands: the first argument picks one, each with its own help and usage", .timeLimit(.minutes(1)))
struct SubcommandTests {
    private static let serve = Subcommand(name: "serve", summary: "run the server", usage: "usage: tool [--port PORT]") { arguments throws(UsageError) in
        let port = try arguments.value(of: "--port", as: .port) ?? 8080
        try arguments.finish()
        return { Int32(port % 100) }
    }
    private static let inspect = Subcommand(name: "inspect", summary: "describe files", usage: "usage: tool inspect PATH...") { arguments throws(UsageError) in
        let json = try arguments.flag("--json")
        let paths = try arguments.finish(allowingPositional: true)
        guard !paths.isEmpty else { throw .missingValue(option: "PATH") }
        return { Int32(paths.count + (json ? 10 : 0)) }
    }

    private func resolve(_ arguments: [String]) -> CommandLineTool.SubcommandOutcome {
        CommandLineTool.resolve(arguments, default: Self.serve, others: [Self.inspect])
    }

    @Test("No subcommand name runs the default with every argument; a name runs that subcommand with the rest", arguments: [
        ([], "serve", 80),
        (["--port", "8081"], "serve", 81),
        (["inspect", "a", "b"], "inspect", 2),
        (["inspect", "--json", "a"], "inspect", 11),
        (["--port", "8099", "inspect"], nil, 0),  // not first: an unexpected argument of the default
    ] as [([String], String?, Int32)])
    func picksTheSubcommand(arguments: [String], name: String?, status: Int32) {
        switch resolve(arguments) {
        case .run(let ran, let action):
            #expect(ran == name)
            #expect(action() == status)
        case .usageError(let error, _):
            #expect(name == nil)
            #expect(error == .unexpectedArgument("inspect"))
        case .help:
            Issue.record("help for \(arguments)")
        }
    }

    @Test("--help prints the subcommand's own usage; the default's lists the others")
    func help() {
        guard case .help(let text) = resolve(["inspect", "--help"]) else {
            Issue.record("no help")
            return
        }
        #expect(text == "usage: tool inspect PATH...")
        guard case .help(let defaultText) = resolve(["-h"]) else {
            Issue.record("no help")
            return
        }
        #expect(defaultText == "usage: tool [--port PORT]\n\nsubcommands (each has its own --help):\n  inspect  describe files")
    }

    @Test("A usage error comes with the usage of the subcommand it concerns, and exit status 2")
    func usageErrors() {
        guard case .usageError(let error, let usage) = resolve(["inspect", "--bogus", "a"]) else {
            Issue.record("accepted")
            return
        }
        #expect(error == .unknownOption("--bogus"))
        #expect(usage == "usage: tool inspect PATH...")
        #expect(error.exitStatus == 2)
        guard case .usageError(let missing, _) = resolve(["inspect"]) else {
            Issue.record("accepted")
            return
        }
        #expect(missing == .missingValue(option: "PATH"))
    }
}
