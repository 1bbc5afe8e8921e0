import HTTPCore

/// Step 2's command line: where to listen, which upstream to forward to, and how long to wait for it.
struct ProxyOptions: Equatable {
    // ANCHOR: usage
    static let usage = """
        usage: Step2NaiveCache [--host ADDRESS] [--port PORT] [--upstream URL] [--upstream-timeout TIME]
                               [--max-connections N]

        A caching proxy that keeps every complete 200 response in memory, forever.

          --host ADDRESS           address to listen on (default 127.0.0.1)
          --port PORT              port to listen on, 0 for any free port (default 8080)
          --upstream URL           the origin to forward to, http://HOST[:PORT]
                                   (default http://127.0.0.1:8000)
          --upstream-timeout TIME  how long to wait for the upstream's answer, in nginx
                                   notation such as 500ms or 90s (default 60s)
          --max-connections N      connections served at once; at the limit, idle ones
                                   are closed to admit new clients (default 1024)
          -h, --help               show this help
        """
    // ANCHOR_END: usage

    var host = "127.0.0.1"
    var port = 8080
    var upstream = UpstreamAddress(host: "127.0.0.1", port: 8000)
    var upstreamTimeout = Duration.seconds(60)
    var maxConnections = 1024

    /// The defaults, as `usage` states them.
    init() {}

    /// Reads the options from `arguments`, leaving anything unknown for `finish()` to reject.
    init(arguments: inout CommandLineArguments) throws(UsageError) {
        host = try arguments.value(of: "--host") ?? host
        port = try arguments.value(of: "--port", as: .port) ?? port
        upstream = try arguments.value(of: "--upstream", as: .upstreamURL) ?? upstream
        upstreamTimeout = try arguments.value(of: "--upstream-timeout", as: .nginxTime) ?? upstreamTimeout
        maxConnections = try arguments.value(of: "--max-connections", as: .positiveInteger) ?? maxConnections
    }
}

extension CommandLineArguments.ValueFormat where Value == UpstreamAddress {
    /// An upstream as nginx's `proxy_pass` takes it: `http://HOST[:PORT]`, no path.
    fileprivate static var upstreamURL: Self {
        Self(expected: "an upstream URL such as http://127.0.0.1:8000") { UpstreamAddress(url: $0) }
    }
}
