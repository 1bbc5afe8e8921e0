import HTTPCore

// Step 2: a naive caching proxy in front of the origin. Parse the options, build the proxy,
// serve until SIGINT or SIGTERM. The lesson lives in CachingProxy.swift and ResponseCache.swift.

let options = CommandLineTool.parseOrExit(usage: ProxyOptions.usage) { arguments throws(UsageError) in
    try ProxyOptions(arguments: &arguments)
}

do {
    let proxy = CachingProxy(upstream: options.upstream, upstreamTimeout: options.upstreamTimeout)
    let configuration = ServerConfiguration(host: options.host, port: options.port, serverName: "Step2NaiveCache",
                                            maxConnections: options.maxConnections)
    let server = try HTTPServer(configuration: configuration, handler: proxy)
    server.run()
} catch {
    CommandLineTool.exit(because: "\(error)")
}
