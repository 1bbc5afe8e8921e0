import Foundation
import HTTPCore
import NginxCache

/// The proxy itself: what `Step5Invalidation` runs without a subcommand name.
enum ProxyCommand {
    static let subcommand = Subcommand(name: "proxy", summary: "the caching proxy (the default)", usage: ProxyOptions.usage) {
        arguments throws(UsageError) in
        let options = try ProxyOptions(arguments: &arguments)
        try arguments.finish()
        return { run(options) }
    }

    /// Serves until SIGINT or SIGTERM; the exit status (1 when the cache, the token, the history
    /// or a port cannot be used).
    static func run(_ options: ProxyOptions) -> Int32 {
        if let warning = options.setCookieWarning {
            FileHandle.standardError.write(Data((warning + "\n").utf8))
        }
        // A file-size limit (ulimit -f) must fail the write that passes it (EFBIG), as a full disk
        // does, not kill the process with SIGXFSZ: the client's answer goes on, the entry is not stored.
        signal(SIGXFSZ, SIG_IGN)
        do {
            let token = try BearerToken.load(file: options.tokenFile, environment: ProcessInfo.processInfo.environment)
            try CacheDirectory(path: options.cacheDirectory).createIfMissing()
            let history = try InvalidationHistory(path: options.historyPath, report: ResponseCache.reportToStandardError)
            let cache = options.makeCache()
            let metrics = ProxyMetrics()
            let sharedFetches = options.coalescesMisses ? SharedFetches() : nil
            let proxy = CachingProxy(upstream: options.upstream, upstreamTimeout: options.upstreamTimeout,
                                     policy: options.policy, cache: cache, purgeAllow: options.purgeAllow,
                                     sharedFetches: sharedFetches, metrics: metrics)
            var configuration = ServerConfiguration(host: options.host, port: options.port, serverName: "Step5Invalidation",
                                                    maxConnections: options.maxConnections)
            // A MISS that stores holds the client's socket, the upstream's and the cache file.
            configuration.descriptorsPerConnection = 3
            let server = try HTTPServer(configuration: configuration, handler: proxy)
            // The admin API: a second listener in the same process, with a small connection cap.
            let admin = try HTTPServer(
                configuration: ServerConfiguration(host: options.adminHost, port: options.adminPort,
                                                   serverName: "Step5Invalidation", maxConnections: 64),
                handler: AdminAPI(cache: cache, history: history, token: token, metrics: metrics, sharedFetches: sharedFetches))
            // nginx's cache manager: inactive keys go, files included, even while no request comes.
            let manager = PeriodicTask(label: "cache-manager", interval: options.sweepInterval) { cache.sweep() }
            ServiceGroup([server, admin, manager], gracePeriod: configuration.shutdownGracePeriod).run {
                server.announce()
                print("admin API on \(admin.url)" + (token == nil
                    ? " (invalidation off: no token; set --token-file FILE or \(BearerToken.environmentVariable))" : ""))
                print("history: \(options.historyPath)")
                fflush(nil)
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
            return 0
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            return 1
        }
    }
}
