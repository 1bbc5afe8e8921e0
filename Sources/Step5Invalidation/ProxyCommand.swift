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
            let cache = options.makeCache()
            let metrics = ProxyMetrics()
            let sharedFetches = options.coalescesMisses ? SharedFetches() : nil
            // In a fleet, the history lives in Redis and every node applies every invalidation;
            // until this node has caught up, its cache is bypassed.
            var fleet: FleetNode?
            let history: any InvalidationStore
            if let address = options.fleet {
                let password = try FleetPassword.load(file: options.fleetPasswordFile, environment: ProcessInfo.processInfo.environment)
                let log = FleetLog(address: address, password: password)
                fleet = FleetNode(log: log, cache: cache, metrics: metrics, gate: CacheGate(isOpen: false),
                                  statePath: options.fleetStatePath, report: ResponseCache.reportToStandardError)
                history = log
            } else {
                history = try InvalidationHistory(path: options.historyPath, report: ResponseCache.reportToStandardError)
            }
            let proxy = CachingProxy(upstream: options.upstream, upstreamTimeout: options.upstreamTimeout,
                                     policy: options.policy, cache: cache, purgeAllow: options.purgeAllow,
                                     sharedFetches: sharedFetches, metrics: metrics, gate: fleet?.gate)
            var configuration = ServerConfiguration(host: options.host, port: options.port, serverName: "Step5Invalidation",
                                                    maxConnections: options.maxConnections)
            // A MISS that stores holds the client's socket, the upstream's and the cache file.
            configuration.descriptorsPerConnection = 3
            let server = try HTTPServer(configuration: configuration, handler: proxy)
            // The admin API: a second listener in the same process, with a small connection cap.
            let admin = try HTTPServer(
                configuration: ServerConfiguration(host: options.adminHost, port: options.adminPort,
                                                   serverName: "Step5Invalidation", maxConnections: 64),
                handler: AdminAPI(cache: cache, history: history, token: token, metrics: metrics, sharedFetches: sharedFetches,
                                  fleet: fleet))
            // nginx's cache manager: inactive keys go, files included, even while no request comes.
            let manager = PeriodicTask(label: "cache-manager", interval: options.sweepInterval) { cache.sweep() }
            let services: [any Service] = [server, admin, manager] + (fleet.map { [$0] } ?? [])
            ServiceGroup(services, gracePeriod: configuration.shutdownGracePeriod).run {
                server.announce()
                print("admin API on \(admin.url)" + (token == nil
                    ? " (invalidation off: no token; set --token-file FILE or \(BearerToken.environmentVariable))" : ""))
                if let fleet {
                    print("fleet: \(fleet.log.address), applied through \(fleet.appliedSequence) (\(options.fleetStatePath))")
                } else {
                    print("history: \(options.historyPath)")
                }
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
