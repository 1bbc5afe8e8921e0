import HTTPCore
import Testing

@Suite("Command-line arguments", .timeLimit(.minutes(1)))
struct CommandLineArgumentsTests {
    /// The options of a typical step, read the way a step's `main.swift` reads them.
    struct StepOptions: Equatable {
        var host = "127.0.0.1"
        var port = 8000
        var delay = Duration.zero
        var minUses = 1
        var valid = Duration.seconds(600)
        var maxSize = 64 << 20
        var noStoreSetCookie = false
    }

    @Test("Options are read into their values, in any order", arguments: [
        ([], StepOptions()),
        (["--port", "8080"], StepOptions(port: 8080)),
        (["--port=0"], StepOptions(port: 0)),
        (["--host", "0.0.0.0", "--port", "65535"], StepOptions(host: "0.0.0.0", port: 65_535)),
        (["--port", "1", "--host", "::1"], StepOptions(host: "::1", port: 1)),
        (["--host=a=b"], StepOptions(host: "a=b")),
        (["--host=-dash"], StepOptions(host: "-dash")),
        (["--delay", "250"], StepOptions(delay: .milliseconds(250))),
        (["--min-uses=2"], StepOptions(minUses: 2)),
        (["--valid", "1h30m", "--max-size=512k"], StepOptions(valid: .seconds(5_400), maxSize: 512 << 10)),
        (["--no-store-set-cookie"], StepOptions(noStoreSetCookie: true)),
        (["--no-store-set-cookie", "--delay=0", "--min-uses", "3", "--valid=10m", "--max-size", "1g",
          "--host", "localhost", "--port", "80"],
         StepOptions(host: "localhost", port: 80, delay: .zero, minUses: 3, valid: .seconds(600),
                     maxSize: 1 << 30, noStoreSetCookie: true)),
    ] as [([String], StepOptions)])
    func valid(_ arguments: [String], _ expected: StepOptions) throws {
        #expect(try StepOptions.parse(arguments) == expected)
    }

    @Test("An option reads the same as two arguments or joined by =", arguments: [
        ("--host", "example.com"), ("--port", "8080"), ("--delay", "250"),
        ("--min-uses", "2"), ("--valid", "60m"), ("--max-size", "512k"),
    ])
    func separateOrJoined(_ option: String, _ value: String) throws {
        let separate = try StepOptions.parse([option, value])
        #expect(try StepOptions.parse(["\(option)=\(value)"]) == separate)
        #expect(separate != StepOptions())
    }

    @Test("Wrong arguments are rejected with a message that names them", arguments: [
        (["--bogus"], UsageError.unknownOption("--bogus"), "unknown option --bogus"),
        (["--bogus=1"], .unknownOption("--bogus"), "unknown option --bogus"),
        (["-p", "80"], .unknownOption("-p"), "unknown option -p"),
        (["--port", "80", "--prot", "81"], .unknownOption("--prot"), "unknown option --prot"),
        (["--port"], .missingValue(option: "--port"), "--port needs a value"),
        (["--port="], .missingValue(option: "--port"), "--port needs a value"),
        (["--host", "--port", "80"], .missingValue(option: "--host"), "--host needs a value"),
        (["--delay", "-5"], .invalidValue(option: "--delay", value: "-5", expected: "a whole number of milliseconds"),
         #"--delay: "-5" is not a whole number of milliseconds"#),
        (["--port", "abc"], .invalidValue(option: "--port", value: "abc", expected: "a port number (0-65535)"),
         #"--port: "abc" is not a port number (0-65535)"#),
        (["--port=65536"], .invalidValue(option: "--port", value: "65536", expected: "a port number (0-65535)"),
         #"--port: "65536" is not a port number (0-65535)"#),
        (["--delay=-5"], .invalidValue(option: "--delay", value: "-5", expected: "a whole number of milliseconds"),
         #"--delay: "-5" is not a whole number of milliseconds"#),
        (["--min-uses", "0"], .invalidValue(option: "--min-uses", value: "0", expected: "a whole number of 1 or more"),
         #"--min-uses: "0" is not a whole number of 1 or more"#),
        (["--valid", "1.5h"],
         .invalidValue(option: "--valid", value: "1.5h", expected: "a time such as 500ms, 90s, 10m, 1h30m or 7d"),
         #"--valid: "1.5h" is not a time such as 500ms, 90s, 10m, 1h30m or 7d"#),
        (["--max-size", "1t"],
         .invalidValue(option: "--max-size", value: "1t", expected: "a size such as 100, 512k, 64m or 1g"),
         #"--max-size: "1t" is not a size such as 100, 512k, 64m or 1g"#),
        (["--no-store-set-cookie=yes"], .unexpectedValue(option: "--no-store-set-cookie", value: "yes"),
         #"--no-store-set-cookie takes no value, but was given "yes""#),
        (["--port", "1", "--port", "2"], .repeatedOption("--port"), "--port is given more than once"),
        (["--port=1", "--port", "1"], .repeatedOption("--port"), "--port is given more than once"),
        (["--no-store-set-cookie", "--no-store-set-cookie"], .repeatedOption("--no-store-set-cookie"),
         "--no-store-set-cookie is given more than once"),
        (["images"], .unexpectedArgument("images"), #"unexpected argument "images""#),
        (["--no-store-set-cookie", "yes"], .unexpectedArgument("yes"), #"unexpected argument "yes""#),
        (["--port", "80", "--", "--port"], .unexpectedArgument("--port"), #"unexpected argument "--port""#),
        (["--help"], .helpRequested, "help requested"),
        (["-h"], .helpRequested, "help requested"),
        (["--port", "abc", "--bogus", "-h"], .helpRequested, "help requested"),
    ] as [([String], UsageError, String)])
    func invalid(_ arguments: [String], _ expected: UsageError, _ message: String) {
        #expect(throws: expected) { try StepOptions.parse(arguments) }
        #expect(expected.description == message)
    }

    @Test("A tool that allows positional arguments gets them, including everything after --")
    func positional() throws {
        var arguments = try CommandLineArguments(["a.jpg", "--port", "80", "-", "--", "--help", "-b"])
        #expect(try arguments.value(of: "--port", as: .port) == 80)
        #expect(try arguments.finish(allowingPositional: true) == ["a.jpg", "-", "--help", "-b"])
        #expect(try arguments.finish() == [])
    }

    @Test("An option that may be repeated reads every value in order, each in its format; a bad one names the option")
    func repeated() throws {
        var arguments = try CommandLineArguments(["--allow", "a", "--port", "80", "--allow=b", "--allow", "c"])
        #expect(try arguments.values(of: "--allow") == ["a", "b", "c"])
        #expect(try arguments.values(of: "--allow").isEmpty)
        #expect(try arguments.values(of: "--port", as: .port) == [80])
        var bad = try CommandLineArguments(["--port", "1", "--port", "x"])
        #expect(throws: UsageError.invalidValue(option: "--port", value: "x", expected: CommandLineArguments.ValueFormat<Int>.port.expected)) {
            try bad.values(of: "--port", as: .port)
        }
        var empty = try CommandLineArguments(["--allow="])
        #expect(throws: UsageError.missingValue(option: "--allow")) { try empty.values(of: "--allow") }
    }

    @Test("An option that is not given reads as nil, and a flag as false")
    func absent() throws {
        var arguments = try CommandLineArguments(["--port", "80"])
        #expect(try arguments.value(of: "--root") == nil)
        #expect(try arguments.value(of: "--delay", as: .milliseconds) == nil)
        #expect(try arguments.flag("--verbose") == false)
        #expect(try arguments.value(of: "--port") == "80")
        #expect(try arguments.value(of: "--port") == nil)
    }

    @Test("A port is 0 to 65535 in plain decimal digits", arguments: [
        ("0", 0), ("80", 80), ("08080", 8_080), ("65535", 65_535),
        ("65536", nil), ("-1", nil), ("+80", nil), (" 80", nil), ("80 ", nil), ("", nil), ("8o", nil),
        ("99999999999999999999", nil),
    ] as [(String, Int?)])
    func port(_ text: String, _ expected: Int?) {
        #expect(CommandLineArguments.ValueFormat.port.parse(text) == expected)
    }

    @Test("A delay is a whole number of milliseconds", arguments: [
        ("0", Duration.zero), ("250", .milliseconds(250)), ("60000", .seconds(60)),
        ("-1", nil), ("1.5", nil), ("250ms", nil), ("", nil),
    ] as [(String, Duration?)])
    func milliseconds(_ text: String, _ expected: Duration?) {
        #expect(CommandLineArguments.ValueFormat.milliseconds.parse(text) == expected)
    }
}

// MARK: - A typical step's options

extension CommandLineArgumentsTests.StepOptions {
    /// Reads the options as a step's `main.swift` does: each one's default unless it is given.
    init(arguments: inout CommandLineArguments) throws(UsageError) {
        host = try arguments.value(of: "--host") ?? host
        port = try arguments.value(of: "--port", as: .port) ?? port
        delay = try arguments.value(of: "--delay", as: .milliseconds) ?? delay
        minUses = try arguments.value(of: "--min-uses", as: .positiveInteger) ?? minUses
        valid = try arguments.value(of: "--valid", as: .nginxTime) ?? valid
        maxSize = try arguments.value(of: "--max-size", as: .nginxSize) ?? maxSize
        noStoreSetCookie = try arguments.flag("--no-store-set-cookie")
    }

    /// The options in `arguments`, rejecting leftovers as `CommandLineTool` does.
    static func parse(_ arguments: [String]) throws(UsageError) -> Self {
        try CommandLineTool.parse(arguments, with: Self.init(arguments:))
    }
}

@Suite("Command-line tool", .timeLimit(.minutes(1)))
struct CommandLineToolTests {
    static let usage = "usage: step --port N\n"

    @Test("Help prints the usage alone and exits with status 0")
    func help() {
        #expect(CommandLineTool.message(for: .helpRequested, usage: Self.usage) == Self.usage)
        #expect(UsageError.helpRequested.exitStatus == 0)
    }

    @Test("A usage error prints the error and the usage and exits with status 2")
    func usageError() {
        let error = UsageError.unknownOption("--prot")
        #expect(CommandLineTool.message(for: error, usage: Self.usage)
            == "error: unknown option --prot\n\nusage: step --port N\n")
        #expect(error.exitStatus == 2)
    }

    @Test("A usage without a final newline gets one")
    func finalNewline() {
        #expect(CommandLineTool.message(for: .helpRequested, usage: "usage: step") == "usage: step\n")
    }

    @Test("Parsing rejects whatever the options did not read")
    func leftovers() {
        #expect(throws: UsageError.unknownOption("--root")) {
            try CommandLineTool.parse(["--port", "80", "--root", "/srv"]) { arguments throws(UsageError) in
                try arguments.value(of: "--port", as: .port)
            }
        }
    }
}
