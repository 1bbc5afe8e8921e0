import Foundation
import HTTPCore

// Step 3: a caching proxy that stores only what is asked for at least --min-uses times, for a
// while, within a memory bound. Parse the options, build the proxy, serve until SIGINT or SIGTERM.
// The lesson lives in CachingProxy.swift, ResponseCache.swift, KeyIndex.swift and StoragePolicy.swift.

let options = CommandLineTool.parseOrExit(usage: ProxyOptions.usage) { arguments throws(UsageError) in
    try ProxyOptions(arguments: &arguments)
}

if let warning = options.setCookieWarning {
    FileHandle.standardError.write(Data((warning + "\n").utf8))
}

do {
    let proxy = CachingProxy(upstream: options.upstream, upstreamTimeout: options.upstreamTimeout,
                             policy: options.policy, cache: options.makeCache())
    let configuration = ServerConfiguration(host: options.host, port: options.port, serverName: "Step3MinUses",
                                            maxConnections: options.maxConnections)
    let server = try HTTPServer(configuration: configuration, handler: proxy)
    server.run()
} catch {
    CommandLineTool.exit(because: "\(error)")
}
