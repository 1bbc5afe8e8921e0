import HTTPCore
import Testing
@testable import Step2NaiveCache

@Suite("Step2NaiveCache's command line", .timeLimit(.minutes(1)))
struct ProxyOptionsTests {
    /// The options `arguments` give, read as `main.swift` reads them.
    private func parse(_ arguments: [String]) throws(UsageError) -> ProxyOptions {
        try CommandLineTool.parse(arguments) { arguments throws(UsageError) in try ProxyOptions(arguments: &arguments) }
    }

    @Test("Without options the proxy listens on 127.0.0.1:8080 and forwards to 127.0.0.1:8000, waiting 60s")
    func defaults() throws {
        let options = try parse([])
        #expect(options.host == "127.0.0.1")
        #expect(options.port == 8080)
        #expect(options.upstream == UpstreamAddress(host: "127.0.0.1", port: 8000))
        #expect(options.upstreamTimeout == .seconds(60))
    }

    @Test("Every option is read, the timeout in nginx notation", arguments: [
        (["--port", "0"], changedDefaults { $0.port = 0 }),
        (["--host=0.0.0.0"], changedDefaults { $0.host = "0.0.0.0" }),
        (["--upstream", "http://localhost:9000"], changedDefaults { $0.upstream = UpstreamAddress(host: "localhost", port: 9000) }),
        (["--upstream", "http://origin.test/"], changedDefaults { $0.upstream = UpstreamAddress(host: "origin.test", port: 80) }),
        (["--upstream-timeout", "300ms"], changedDefaults { $0.upstreamTimeout = .milliseconds(300) }),
        (["--upstream-timeout=1m30s"], changedDefaults { $0.upstreamTimeout = .seconds(90) }),
        (["--upstream-timeout", "5"], changedDefaults { $0.upstreamTimeout = .seconds(5) }),
    ])
    func readsOptions(arguments: [String], expected: ProxyOptions) throws {
        #expect(try parse(arguments) == expected)
    }

    @Test("Bad values and unknown options are usage errors that name the option", arguments: [
        (["--upstream", "ftp://127.0.0.1:8000"], UsageError.invalidValue(
            option: "--upstream", value: "ftp://127.0.0.1:8000", expected: "an upstream URL such as http://127.0.0.1:8000")),
        (["--upstream", "http://127.0.0.1:8000/images"], .invalidValue(
            option: "--upstream", value: "http://127.0.0.1:8000/images", expected: "an upstream URL such as http://127.0.0.1:8000")),
        (["--upstream", "http://127.0.0.1:0"], .invalidValue(
            option: "--upstream", value: "http://127.0.0.1:0", expected: "an upstream URL such as http://127.0.0.1:8000")),
        (["--upstream-timeout", "1.5s"], .invalidValue(
            option: "--upstream-timeout", value: "1.5s", expected: "a time such as 500ms, 90s, 10m, 1h30m or 7d")),
        (["--upstream-timeout", "soon"], .invalidValue(
            option: "--upstream-timeout", value: "soon", expected: "a time such as 500ms, 90s, 10m, 1h30m or 7d")),
        (["--port", "80000"], .invalidValue(option: "--port", value: "80000", expected: "a port number (0-65535)")),
        (["--upstream"], .missingValue(option: "--upstream")),
        (["--root", "/tmp"], .unknownOption("--root")),
        (["--help"], .helpRequested),
    ])
    func rejectsBadArguments(arguments: [String], error: UsageError) {
        #expect(throws: error) { try parse(arguments) }
    }

    @Test("The usage text names every option and its default")
    func usageNamesEveryOption() {
        for text in ["--host", "--port", "--upstream", "--upstream-timeout", "--help", "8080", "http://127.0.0.1:8000", "60s"] {
            #expect(ProxyOptions.usage.contains(text))
        }
    }
}

/// The default options with `change` applied: one row of the table above.
private func changedDefaults(_ change: (inout ProxyOptions) -> Void) -> ProxyOptions {
    var options = ProxyOptions()
    change(&options)
    return options
}
