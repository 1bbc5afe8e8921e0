import HTTPCore
import Testing
@testable import Step5Invalidation
import NginxCache

@Suite("Step5Invalidation's command line", .timeLimit(.minutes(1)))
struct ProxyOptionsTests {
    /// The options `arguments` give, read as `main.swift` reads them.
    private func parse(_ arguments: [String]) throws(UsageError) -> ProxyOptions {
        try CommandLineTool.parse(arguments) { arguments throws(UsageError) in try ProxyOptions(arguments: &arguments) }
    }

    @Test("Without options: the workshop's nginx configuration in ./cache, levels 1:2, bounded to 1g of files and 81,920 keys")
    func defaults() throws {
        let options = try parse([])
        #expect(options.host == "127.0.0.1")
        #expect(options.port == 8080)
        #expect(options.upstream == UpstreamAddress(host: "127.0.0.1", port: 8000))
        #expect(options.upstreamTimeout == .seconds(60))
        #expect(options.minUses == 2)
        #expect(options.validity == .seconds(3_600))
        #expect(options.cacheDirectory == "cache")
        #expect(options.levels == CacheLevels.oneTwo)
        #expect(options.purgeAllow == CachingProxy.loopback)
        #expect(options.maxSize == 1_024 * 1_024 * 1_024)
        #expect(options.inactive == .seconds(600))
        #expect(options.keysZoneSize == 10 * 1_024 * 1_024)
        #expect(options.storesSetCookie)
        #expect(options.makeCache().maxSize == 1_024 * 1_024 * 1_024)
        #expect(options.makeCache().directory.path == "cache")
        #expect(options.keysZoneSize / KeyIndex.bytesPerKey == 81_920)
        #expect((options.adminHost, options.adminPort) == ("127.0.0.1", 8081))
        #expect(options.tokenFile == nil)
        #expect(options.historyPath == "cache-invalidations.jsonl")
        #expect(options.sourceParameter == nil)
        #expect(options.coalescesMisses)
    }

    @Test("The history is beside the cache directory, outside its levels, unless --history says where", arguments: [
        (["--cache-dir", "/var/cache/images"], "/var/cache/images-invalidations.jsonl"),
        (["--cache-dir", "/var/cache/images/"], "/var/cache/images-invalidations.jsonl"),
        (["--cache-dir", "/tmp/c", "--history", "/var/lib/h.jsonl"], "/var/lib/h.jsonl"),
    ])
    func historyPath(arguments: [String], expected: String) throws {
        #expect(try parse(arguments).historyPath == expected)
    }

    @Test("Every option is read, times and sizes in nginx notation", arguments: [
        (["--min-uses", "1"], changedDefaults { $0.minUses = 1 }),
        (["--min-uses=5"], changedDefaults { $0.minUses = 5 }),
        (["--valid", "300ms"], changedDefaults { $0.validity = .milliseconds(300) }),
        (["--valid", "1h30m"], changedDefaults { $0.validity = .seconds(5_400) }),
        (["--valid", "90"], changedDefaults { $0.validity = .seconds(90) }),
        (["--max-size", "16m"], changedDefaults { $0.maxSize = 16 << 20 }),
        (["--max-size", "512K"], changedDefaults { $0.maxSize = 512 << 10 }),
        (["--max-size", "0"], changedDefaults { $0.maxSize = 0 }),
        (["--inactive", "2s"], changedDefaults { $0.inactive = .seconds(2) }),
        (["--keys-zone", "1m"], changedDefaults { $0.keysZoneSize = 1 << 20 }),
        (["--cache-dir", "/var/cache/images"], changedDefaults { $0.cacheDirectory = "/var/cache/images" }),
        (["--levels", "2"], changedDefaults { $0.levels = CacheLevels(parsing: "2")! }),
        (["--levels=1:1:2"], changedDefaults { $0.levels = CacheLevels(parsing: "1:1:2")! }),
        (["--purge-allow", "10.0.0.0/8", "--purge-allow=::1"], changedDefaults {
            $0.purgeAllow = [AddressBlock(parsing: "10.0.0.0/8")!, AddressBlock(parsing: "::1")!]
        }),
        (["--keys-zone", "128"], changedDefaults { $0.keysZoneSize = 128 }),
        (["--no-store-set-cookie"], changedDefaults { $0.storesSetCookie = false }),
        (["--strip-set-cookie"], changedDefaults { $0.replaysSetCookie = false }),
        (["--max-connections", "10"], changedDefaults { $0.maxConnections = 10 }),
        (["--admin-host", "::1", "--admin-port", "9000"], changedDefaults {
            $0.adminHost = "::1"
            $0.adminPort = 9000
        }),
        (["--token-file", "/run/secrets/token"], changedDefaults { $0.tokenFile = "/run/secrets/token" }),
        (["--source-param", "url"], changedDefaults { $0.sourceParameter = "url" }),
        (["--no-coalesce"], changedDefaults { $0.coalescesMisses = false }),
        (["--fleet", "redis://10.0.0.5:6380/2", "--fleet-password-file", "/run/secrets/redis"], changedDefaults {
            $0.fleet = FleetAddress(url: "redis://10.0.0.5:6380/2")
            $0.fleetPasswordFile = "/run/secrets/redis"
        }),
        (["--upstream-timeout", "5", "--port", "0"], changedDefaults {
            $0.upstreamTimeout = .seconds(5)
            $0.port = 0
        }),
    ])
    func readsOptions(arguments: [String], expected: ProxyOptions) throws {
        #expect(try parse(arguments) == expected)
    }

    private static let time = "a time above zero such as 500ms, 90s, 10m or 1h"
    private static let size = "a size such as 100, 512k, 64m or 1g"
    private static let keysZone = "a size of at least 128 (one key) such as 1m or 10m"
    private static let levels = "levels such as 1:2: one to three levels of 1 or 2 characters"

    @Test("Bad values are usage errors that name the option", arguments: [
        (["--valid", "10x"], UsageError.invalidValue(option: "--valid", value: "10x", expected: time)),
        (["--no-store-set-cookie", "--strip-set-cookie"], .conflictingOptions("--no-store-set-cookie", "--strip-set-cookie")),
        (["--max-connections", "0"], .invalidValue(option: "--max-connections", value: "0", expected: "a whole number of 1 or more")),
        (["--valid", "1.5s"], .invalidValue(option: "--valid", value: "1.5s", expected: time)),
        (["--valid", "0"], .invalidValue(option: "--valid", value: "0", expected: time)),
        (["--valid", "0s"], .invalidValue(option: "--valid", value: "0s", expected: time)),
        (["--inactive=-1"], .invalidValue(option: "--inactive", value: "-1", expected: time)),
        (["--inactive", "-1"], .invalidValue(option: "--inactive", value: "-1", expected: time)),
        (["--inactive", "10m1h"], .invalidValue(option: "--inactive", value: "10m1h", expected: time)),
        (["--max-size", "1q"], .invalidValue(option: "--max-size", value: "1q", expected: size)),
        (["--max-size", "64mb"], .invalidValue(option: "--max-size", value: "64mb", expected: size)),
        (["--max-size", "99999999999999999999"], .invalidValue(option: "--max-size", value: "99999999999999999999", expected: size)),
        (["--keys-zone", "127"], .invalidValue(option: "--keys-zone", value: "127", expected: keysZone)),
        (["--keys-zone", "ten"], .invalidValue(option: "--keys-zone", value: "ten", expected: keysZone)),
        (["--min-uses", "0"], .invalidValue(option: "--min-uses", value: "0", expected: "a whole number of 1 or more")),
        (["--min-uses", "two"], .invalidValue(option: "--min-uses", value: "two", expected: "a whole number of 1 or more")),
        (["--min-uses"], .missingValue(option: "--min-uses")),
        (["--valid", "1m", "--valid", "2m"], .repeatedOption("--valid")),
        (["--no-store-set-cookie=yes"], .unexpectedValue(option: "--no-store-set-cookie", value: "yes")),
        (["--max-uses", "2"], .unknownOption("--max-uses")),
        (["--levels", "3"], .invalidValue(option: "--levels", value: "3", expected: levels)),
        (["--levels", "1:2:2:1"], .invalidValue(option: "--levels", value: "1:2:2:1", expected: levels)),
        (["--levels", "1:"], .invalidValue(option: "--levels", value: "1:", expected: levels)),
        (["--levels", ""], .missingValue(option: "--levels")),
        (["--cache-dir"], .missingValue(option: "--cache-dir")),
        (["--purge-allow", "10.0.0.0/33"], .invalidValue(option: "--purge-allow", value: "10.0.0.0/33",
                                                         expected: "an address or CIDR block such as 127.0.0.1, 10.0.0.0/8 or ::1")),
        (["--purge-allow", "localhost"], .invalidValue(option: "--purge-allow", value: "localhost",
                                                       expected: "an address or CIDR block such as 127.0.0.1, 10.0.0.0/8 or ::1")),
        (["--source-param", "u&rl"], .invalidValue(option: "--source-param", value: "u&rl", expected: "a query parameter name such as url")),
        (["--admin-port", "70000"], .invalidValue(option: "--admin-port", value: "70000", expected: "a port number (0-65535)")),
        // A token is never an argument: `ps` would show it.
        (["--token", "secret"], .unknownOption("--token")),
        (["--fleet", "10.0.0.5:6379"], .invalidValue(option: "--fleet", value: "10.0.0.5:6379",
                                                     expected: "a Redis URL such as redis://127.0.0.1:6379 or redis://10.0.0.5/2")),
    ])
    func rejectsBadArguments(arguments: [String], error: UsageError) {
        #expect(throws: error) { try parse(arguments) }
        #expect(error.description.contains(arguments[0].prefix { $0 != "=" }))
    }

    @Test("The start-up warns while a stored Set-Cookie reaches every client, and not with either cookie flag")
    func setCookieWarning() throws {
        #expect(try parse([]).setCookieWarning?.hasPrefix("warning: a response that sets a cookie is stored") == true)
        #expect(try parse(["--no-store-set-cookie"]).setCookieWarning == nil)
        #expect(try parse(["--strip-set-cookie"]).setCookieWarning == nil)
    }

    @Test("The usage text names every option and its default")
    func usageNamesEveryOption() {
        for text in ["--host", "--port", "--upstream", "--upstream-timeout", "--min-uses", "--valid", "--max-size",
                     "--inactive", "--keys-zone", "--no-store-set-cookie", "--strip-set-cookie", "--max-connections", "--help",
                     "--cache-dir", "--levels", "(default ./cache)", "(default 1:2)", "--purge-allow",
                     "(default 127.0.0.0/8 and ::1)",
                     "(default 2;", "(default 60m;", "(default 1g;", "(default 10m;", "81,920",
                     "--admin-host", "--admin-port", "(default 8081)", "--token-file", "STEP5_INVALIDATION_TOKEN",
                     "--history", "--source-param", "--no-coalesce", "--fleet", "--fleet-password-file",
                     "STEP5_FLEET_PASSWORD"] {
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
