import Foundation
import HTTPCore
import NginxCache

// Step 4: the caching proxy of step 3, with its cache on disk in nginx's layout and file format.
// Parse the options, open the cache directory, serve while the cache loader reads it, and sweep
// inactive entries until SIGINT or SIGTERM. The lesson lives in ResponseCache.swift,
// CacheFileWriter.swift, CachingProxy+Hit.swift and the NginxCache library.

let options = CommandLineTool.parseOrExit(usage: ProxyOptions.usage) { arguments throws(UsageError) in
    try ProxyOptions(arguments: &arguments)
}

if let warning = options.setCookieWarning {
    FileHandle.standardError.write(Data((warning + "\n").utf8))
}

// A file-size limit (ulimit -f) must fail the write that passes it (EFBIG), as a full disk does,
// not kill the process with SIGXFSZ: the client's answer goes on, and the entry is not stored.
signal(SIGXFSZ, SIG_IGN)

do {
    try CacheDirectory(path: options.cacheDirectory).createIfMissing()
    let cache = options.makeCache()
    let proxy = CachingProxy(upstream: options.upstream, upstreamTimeout: options.upstreamTimeout,
                             policy: options.policy, cache: cache)
    let configuration = ServerConfiguration(host: options.host, port: options.port, serverName: "Step4Purge",
                                            maxConnections: options.maxConnections)
    let server = try HTTPServer(configuration: configuration, handler: proxy)
    // nginx's cache manager: inactive keys go, files included, even while no request comes.
    let manager = PeriodicTask(label: "cache-manager", interval: options.sweepInterval) { cache.sweep() }
    ServiceGroup([server, manager], gracePeriod: configuration.shutdownGracePeriod).run {
        server.announce()
        // nginx's cache loader: the index is rebuilt from the directory while requests are served.
        Thread {
            do {
                print(try cache.load().summary(directory: options.cacheDirectory))
            } catch {
                print("cache: cannot load \(error); serving with an empty index")
            }
            fflush(nil)
        }.start()
    }
} catch {
    CommandLineTool.exit(because: "\(error)")
}
