import Foundation
import HTTPCore

/// A real nginx, started for one test with the workshop's cache configuration in front of an
/// upstream, and stopped when released.
///
/// It runs with `master_process off` and every path (cache, temp files, logs, pid) inside its
/// own temporary directory, so tests run in parallel without root's system configuration.
public final class NginxServer: Sendable {
    /// Whether an nginx binary is installed (Debian: `apt-get install nginx-light`).
    public static let executable: String? = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    public static var isInstalled: Bool { executable != nil }

    /// The `location /` body of the workshop's nginx configuration (chapter 2): min-uses 2, 60 minutes, `$proxy_host$request_uri`.
    ///
    /// `storeSetCookie: false` leaves out `proxy_ignore_headers Set-Cookie` (nginx's default: never
    /// store a response that sets a cookie); `validity` replaces the 60 minutes of
    /// `proxy_cache_valid 200`, in nginx notation such as `1s`.
    public static func workshopCacheLocation(upstream: UpstreamAddress, storeSetCookie: Bool = true,
                                             validity: String = "60m") -> String {
        """
        proxy_pass http://\(upstream.proxyHost);
                add_header X-Proxy-Cache $upstream_cache_status;
                \(storeSetCookie ? "proxy_ignore_headers \"Set-Cookie\";" : "")
                proxy_cache my_cache;
                proxy_cache_min_uses 2;
                proxy_cache_valid 200 \(validity);
                proxy_cache_key $proxy_host$request_uri;
        """
    }

    public let port: Int
    /// The directory holding the configuration, the cache (`cache/`) and the logs.
    public let directory: TemporaryDirectory
    private let process: Process

    /// Whether Debian's cache-purge module is installed (`apt-get install libnginx-mod-http-cache-purge`).
    public static let cachePurgeModule: String? = ["/usr/lib/nginx/modules/ngx_http_cache_purge_module.so"]
        .first { FileManager.default.fileExists(atPath: $0) }

    /// Starts nginx with `location / { locationBody }` and a cache zone `my_cache` with
    /// `levels=1:2` under `directory/cache`; returns once it accepts connections. `mainContext`
    /// goes before everything else (`load_module …;`), `serverContext` into the server block
    /// (more locations).
    public init(locationBody: String, mainContext: String = "", serverContext: String = "") throws {
        guard let executable = Self.executable else { throw NginxError.notInstalled }
        directory = try TemporaryDirectory()
        let path = directory.path
        var lastError: Error = NginxError.didNotStart("")
        // The port is chosen by binding port 0 and releasing it; another process could take it
        // in between, so a start that fails is retried on a new port.
        for _ in 0..<5 {
            let candidate = try Socket.listen(host: "127.0.0.1", port: 0).localPort
            let configuration = """
                \(mainContext)
                worker_processes 1;
                daemon off;
                master_process off;
                pid \(path)/nginx.pid;
                error_log \(path)/error.log;
                events { worker_connections 1024; }
                http {
                    access_log \(path)/access.log;
                    client_body_temp_path \(path)/client_temp;
                    proxy_temp_path \(path)/proxy_temp;
                    fastcgi_temp_path \(path)/fastcgi_temp;
                    uwsgi_temp_path \(path)/uwsgi_temp;
                    scgi_temp_path \(path)/scgi_temp;
                    proxy_cache_path \(path)/cache levels=1:2 keys_zone=my_cache:10m;
                    server {
                        listen 127.0.0.1:\(candidate);
                        location / {
                            \(locationBody)
                        }
                        \(serverContext)
                    }
                }
                """
            try directory.write("nginx.conf", Array(configuration.utf8))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["-p", path, "-c", "\(path)/nginx.conf"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            if Self.waitUntilAccepting(port: candidate, process: process) {
                self.port = candidate
                self.process = process
                return
            }
            process.terminate()
            process.waitUntilExit()
            let log = (try? String(contentsOfFile: "\(path)/error.log", encoding: .utf8)) ?? ""
            lastError = NginxError.didNotStart(log)
        }
        throw lastError
    }

    /// The paths of the cache files nginx has written, relative to `cache/` (e.g. `5/7f/b37d…`).
    public var cacheFiles: [String] { FileTree.files(under: directory.path + "/cache") }

    /// The cache files once there are at least `count`, or after 5 s: nginx renames an entry
    /// into place after its response has gone out, so a client that has the answer may be early.
    public func waitForCacheFiles(_ count: Int) -> [String] {
        let deadline = ContinuousClock.now + .seconds(5)
        while cacheFiles.count < count, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.02) }
        return cacheFiles
    }

    /// Stops nginx at once, with SIGKILL.
    ///
    /// Why not SIGTERM: `Process` starts nginx with the signal mask of the thread that calls
    /// `run()`, and test threads block nearly every signal; with `master_process off` nginx never
    /// unblocks them, so SIGTERM would wait forever (measured: every stop took the full 5 s
    /// grace period). Nothing is lost: the cache and logs live in a directory thrown away anyway.
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }

    /// Whether nginx accepts connections on `port`: and it is nginx that answers there, not a
    /// server of another test that took the port between its release and nginx's bind.
    private static func waitUntilAccepting(port: Int, process: Process) -> Bool {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, process.isRunning {
            if let socket = try? Socket.connect(host: "127.0.0.1", port: port, timeout: .milliseconds(100)) {
                return isNginx(socket)
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }

    /// Sends a request line nginx refuses before it reaches any location (so no upstream sees
    /// it) and looks for nginx's name in the `400` it answers.
    private static func isNginx(_ socket: Socket) -> Bool {
        let probe = Array("GET\r\n\r\n".utf8)
        guard (try? probe.withUnsafeBytes({ try socket.write($0, timeout: .seconds(1)) })) != nil else { return false }
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let deadline = ContinuousClock.now + .seconds(2)
        while let count = try? chunk.withUnsafeMutableBytes({ try socket.read(into: $0, deadline: deadline) }), count > 0 {
            answer += chunk[..<count]
        }
        return String(decoding: answer, as: UTF8.self).contains("nginx")
    }
}

/// Why nginx could not be used.
public enum NginxError: Error, CustomStringConvertible {
    case notInstalled
    case didNotStart(String)

    public var description: String {
        switch self {
        case .notInstalled: "nginx is not installed (apt-get install nginx-light)"
        case .didNotStart(let log): "nginx did not start: \(log)"
        }
    }
}
