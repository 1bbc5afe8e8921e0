import HTTPCore
import NginxCache

/// Step 5's command line: where to listen, which upstream to forward to, how long to wait for it,
/// where the cache lives on disk, and its rules: admission, freshness and bounds, in nginx's
/// notation; and the admin API: where it listens, its token's file, its history's file.
struct ProxyOptions: Equatable {
    static let usage = """
        usage: Step5Invalidation [--host ADDRESS] [--port PORT] [--upstream URL] [--upstream-timeout TIME]
                          [--cache-dir DIR] [--levels LEVELS]
                          [--min-uses N] [--valid TIME] [--max-size SIZE] [--inactive TIME]
                          [--keys-zone SIZE] [--no-store-set-cookie | --strip-set-cookie]
                          [--purge-allow ADDRESS[/BITS]]... [--max-connections N]
                          [--admin-host ADDRESS] [--admin-port PORT] [--token-file FILE]
                          [--history FILE] [--source-param NAME] [--no-coalesce]
                          [--fleet redis://HOST[:PORT][/DB]] [--fleet-password-file FILE]

        A caching proxy that stores a response in a file, in nginx's cache format, once its
        URL has been asked for --min-uses times, keeps it fresh for --valid, and stays within
        --max-size. Entries on disk are served again after a restart. Concurrent misses of
        one URL share one upstream request. A second listener, the admin API, invalidates
        every cached variant of a source image (DELETE /invalidate), keeps a history of what
        it did, and reports usage (GET /stats, GET /metrics).

          --host ADDRESS           address to listen on (default 127.0.0.1)
          --port PORT              port to listen on, 0 for any free port (default 8080)
          --upstream URL           the origin to forward to, http://HOST[:PORT]
                                   (default http://127.0.0.1:8000)
          --upstream-timeout TIME  how long to wait for the upstream's answer, in nginx
                                   notation such as 500ms or 90s (default 60s)
          --cache-dir DIR          the cache directory, created (mode 0700) if missing; it
                                   may be one real nginx wrote (default ./cache)
          --levels LEVELS          the subdirectory levels, as nginx's levels= takes them:
                                   1 to 3 levels of 1 or 2 characters (default 1:2)
          --min-uses N             store a response on the Nth request for its URL
                                   (default 2; nginx's proxy_cache_min_uses)
          --valid TIME             how long a stored 200 stays fresh, unless the origin's
                                   Cache-Control or Expires says otherwise
                                   (default 60m; nginx's proxy_cache_valid 200)
          --max-size SIZE          the most bytes of cache files, counted in disk blocks as
                                   nginx counts them, such as 64m or 2g; the least recently
                                   used go first (default 1g; nginx's max_size)
          --inactive TIME          forget a URL, its count and its file, after this long
                                   without a request (default 10m; nginx's inactive)
          --keys-zone SIZE         memory for counting URLs, 128 bytes per URL plus URLs
                                   longer than 15 bytes: 10m counts 81,920 short URLs
                                   (default 10m; nginx's keys_zone size)
          --no-store-set-cookie    never store a response that sets a cookie (nginx's
                                   default; without this flag, cookies are stored and replayed
                                   on every HIT, as with proxy_ignore_headers Set-Cookie)
          --strip-set-cookie       store a response that sets a cookie, but without its
                                   Set-Cookie: only the client of the MISS gets the cookie
          --purge-allow ADDRESS    a client address or CIDR block that may PURGE, such as
                                   10.0.0.0/8; repeat for more (default 127.0.0.0/8 and ::1)
          --max-connections N      connections served at once; at the limit, idle ones
                                   are closed to admit new clients (default 1024)
          --admin-host ADDRESS     address of the admin API (default 127.0.0.1)
          --admin-port PORT        port of the admin API, 0 for any free port (default 8081)
          --token-file FILE        the file holding the admin API's bearer token; or set
                                   STEP5_INVALIDATION_TOKEN. Without a token, invalidation
                                   is off. Never given on the command line: ps shows it
          --history FILE           where each invalidation is recorded, one JSON line each
                                   (default: beside the cache directory, DIR-invalidations.jsonl)
          --source-param NAME      a query parameter that names a key's source image too,
                                   as url in /resize?url=http://origin/1.jpg&width=300
          --no-coalesce            every miss asks the upstream itself (nginx's default,
                                   proxy_cache_lock off); by default concurrent misses of
                                   one URL share one upstream request
          --fleet URL              a fleet of caches sharing invalidations through Redis,
                                   redis://HOST[:PORT][/DB]: the history lives there, and
                                   every node applies every invalidation
          --fleet-password-file FILE
                                   the file holding Redis's password; or set
                                   STEP5_FLEET_PASSWORD. Never given on the command line
          -h, --help               show this help
        """

    var host = "127.0.0.1"
    var port = 8080
    var upstream = UpstreamAddress(host: "127.0.0.1", port: 8000)
    var upstreamTimeout = Duration.seconds(60)
    var maxConnections = 1024
    var minUses = 2
    var validity = Duration.seconds(60 * 60)
    var cacheDirectory = "cache"
    var levels = CacheLevels.oneTwo
    var maxSize = 1 << 30
    var inactive = Duration.seconds(10 * 60)
    var keysZoneSize = 10 << 20
    var storesSetCookie = true
    var replaysSetCookie = true
    var purgeAllow = CachingProxy.loopback
    var adminHost = "127.0.0.1"
    var adminPort = 8081
    var tokenFile: String?
    var historyFile: String?
    var sourceParameter: String?
    var coalescesMisses = true
    var fleet: FleetAddress?
    var fleetPasswordFile: String?

    /// The defaults, as `usage` states them.
    init() {}

    /// Reads the options from `arguments`, leaving anything unknown for `finish()` to reject.
    init(arguments: inout CommandLineArguments) throws(UsageError) {
        host = try arguments.value(of: "--host") ?? host
        port = try arguments.value(of: "--port", as: .port) ?? port
        upstream = try arguments.value(of: "--upstream", as: .upstreamURL) ?? upstream
        upstreamTimeout = try arguments.value(of: "--upstream-timeout", as: .nginxTime) ?? upstreamTimeout
        cacheDirectory = try arguments.value(of: "--cache-dir") ?? cacheDirectory
        levels = try arguments.value(of: "--levels", as: .cacheLevels) ?? levels
        maxConnections = try arguments.value(of: "--max-connections", as: .positiveInteger) ?? maxConnections
        let allowed = try arguments.values(of: "--purge-allow", as: .addressBlock)
        if !allowed.isEmpty { purgeAllow = allowed }
        minUses = try arguments.value(of: "--min-uses", as: .positiveInteger) ?? minUses
        validity = try arguments.value(of: "--valid", as: .positiveNginxTime) ?? validity
        maxSize = try arguments.value(of: "--max-size", as: .nginxSize) ?? maxSize
        inactive = try arguments.value(of: "--inactive", as: .positiveNginxTime) ?? inactive
        keysZoneSize = try arguments.value(of: "--keys-zone", as: .keysZoneSize) ?? keysZoneSize
        storesSetCookie = try !arguments.flag("--no-store-set-cookie")
        replaysSetCookie = try !arguments.flag("--strip-set-cookie")
        if !storesSetCookie, !replaysSetCookie {
            throw .conflictingOptions("--no-store-set-cookie", "--strip-set-cookie")
        }
        adminHost = try arguments.value(of: "--admin-host") ?? adminHost
        adminPort = try arguments.value(of: "--admin-port", as: .port) ?? adminPort
        tokenFile = try arguments.value(of: "--token-file")
        historyFile = try arguments.value(of: "--history")
        sourceParameter = try arguments.value(of: "--source-param", as: .parameterName)
        coalescesMisses = try !arguments.flag("--no-coalesce")
        fleet = try arguments.value(of: "--fleet", as: .fleetAddress)
        fleetPasswordFile = try arguments.value(of: "--fleet-password-file")
    }

    /// The file in which a fleet node remembers the last invalidation it applied, beside the
    /// cache directory as the history is.
    var fleetStatePath: String {
        var directory = cacheDirectory
        while directory.count > 1, directory.hasSuffix("/") { directory.removeLast() }
        return directory + "-fleet.state"
    }

    /// The invalidation history's file: `--history`, or `DIR-invalidations.jsonl` beside the
    /// cache directory `DIR`, outside its levels, so the cache loader never meets it.
    var historyPath: String {
        if let historyFile { return historyFile }
        var directory = cacheDirectory
        while directory.count > 1, directory.hasSuffix("/") { directory.removeLast() }
        return directory + "-invalidations.jsonl"
    }

    /// A warning for the start-up output while a stored cookie reaches every client; `nil` otherwise.
    var setCookieWarning: String? {
        guard storesSetCookie, replaysSetCookie else { return nil }
        return "warning: a response that sets a cookie is stored and its Set-Cookie replayed on every HIT, "
            + "to every client (nginx's proxy_ignore_headers Set-Cookie); --strip-set-cookie stores it "
            + "without the cookie, --no-store-set-cookie does not store it"
    }

    /// The cache these options describe, reading the time from `now`; its index starts empty
    /// (`ResponseCache.load()` reads the directory).
    func makeCache(now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
                   report: @escaping @Sendable (String) -> Void = ResponseCache.reportToStandardError) -> ResponseCache {
        ResponseCache(directory: CacheDirectory(path: cacheDirectory, levels: levels), minUses: minUses, maxSize: maxSize,
                      keysZoneSize: keysZoneSize, inactive: inactive, sourceParameter: sourceParameter, now: now, report: report)
    }

    /// How often the cache manager forgets inactive keys: often enough that a file outlives its
    /// `--inactive` by a tenth at most, and at least every 10 seconds, as nginx's manager wakes.
    var sweepInterval: Duration {
        min(max(inactive / 10, .milliseconds(100)), .seconds(10))
    }

    /// The storage rules these options describe.
    var policy: StoragePolicy {
        StoragePolicy(validity: validity, storesSetCookie: storesSetCookie, replaysSetCookie: replaysSetCookie)
    }
}

extension CommandLineArguments.ValueFormat where Value == AddressBlock {
    /// An address or a CIDR block: `127.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`.
    fileprivate static var addressBlock: Self {
        Self(expected: "an address or CIDR block such as 127.0.0.1, 10.0.0.0/8 or ::1") { AddressBlock(parsing: $0) }
    }
}

extension CommandLineArguments.ValueFormat where Value == CacheLevels {
    /// Cache levels in nginx's notation, `1:2`.
    static var cacheLevels: Self {
        Self(expected: "levels such as 1:2: one to three levels of 1 or 2 characters") { CacheLevels(parsing: $0) }
    }
}

extension CommandLineArguments.ValueFormat where Value == UpstreamAddress {
    /// An upstream as nginx's `proxy_pass` takes it: `http://HOST[:PORT]`, no path.
    fileprivate static var upstreamURL: Self {
        Self(expected: "an upstream URL such as http://127.0.0.1:8000") { UpstreamAddress(url: $0) }
    }
}

// ANCHOR: positive-time
extension CommandLineArguments.ValueFormat where Value == Duration {
    /// A time in nginx notation that is not zero: a response fresh for no time, or a key
    /// remembered for no time, would make the cache store nothing.
    fileprivate static var positiveNginxTime: Self {
        Self(expected: "a time above zero such as 500ms, 90s, 10m or 1h") { text in
            Duration(nginxTime: text).flatMap { $0 > .zero ? $0 : nil }
        }
    }
}
// ANCHOR_END: positive-time

extension CommandLineArguments.ValueFormat where Value == Int {
    /// A keys zone size in nginx notation with room for at least one key.
    fileprivate static var keysZoneSize: Self {
        Self(expected: "a size of at least \(KeyIndex.bytesPerKey) (one key) such as 1m or 10m") { text in
            Int(nginxSize: text).flatMap { $0 >= KeyIndex.bytesPerKey ? $0 : nil }
        }
    }
}

extension CommandLineArguments.ValueFormat where Value == String {
    /// A query parameter's name: letters, digits, `-`, `_` and `.`.
    fileprivate static var parameterName: Self {
        Self(expected: "a query parameter name such as url") { text in
            !text.isEmpty && text.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || [0x2D, 0x5F, 0x2E].contains(byte)
            } ? text : nil
        }
    }
}

extension CommandLineArguments.ValueFormat where Value == FleetAddress {
    /// A Redis address, `redis://HOST[:PORT][/DB]`.
    fileprivate static var fleetAddress: Self {
        Self(expected: "a Redis URL such as redis://127.0.0.1:6379 or redis://10.0.0.5/2") { FleetAddress(url: $0) }
    }
}
