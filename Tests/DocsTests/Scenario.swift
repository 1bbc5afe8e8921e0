/// The servers a transcript runs against, started fresh for a transcript block (and kept for the
/// blocks marked `continued` after it); a chapter shows the commands that start them in a
/// `<!-- servers: NAME -->` block, which the check compares with this table.
///
/// A chapter names a scenario in `<!-- transcript: NAME -->` and shows the servers at their
/// `shownPort`s; the check starts each server on a free port (`--port 0`) and rewrites
/// `127.0.0.1:SHOWN` in commands to the real port, and the real port in output back.
struct Scenario: Sendable {
    /// One server process, started from the built products.
    struct Server: Sendable {
        /// A product name (looked up in the build directory) or an absolute path.
        var executable: String
        /// The port the chapter shows for this server.
        var shownPort: Int
        /// Arguments before `--port 0`; `127.0.0.1:SHOWN` of a server started earlier in the
        /// list is rewritten to its real port, and the scenario's scratch directory to its real path.
        var arguments: [String] = []
        /// Whether it must listen on `shownPort` itself: an origin whose address is part of the
        /// cache keys a chapter shows (`127.0.0.1:8000/1.jpg`), since the files' md5 names and
        /// key lines would differ with any other port. Transcript blocks of one chapter run one
        /// after the other, and tests use ports from the ephemeral range, so only a server the
        /// reader left running can be in the way; the check then says so.
        var listensOnShownPort = false
        /// Environment variables set for it, shown before `swift run` in the servers block
        /// (`STEP5_INVALIDATION_TOKEN=… swift run Step5Invalidation …`), in this order.
        var environment: [(name: String, value: String)] = []
        /// A second listener it opens, such as step 5's admin API: the check starts it on a free
        /// port (`option 0`) and reads the real one from the output line containing `announcement`.
        var secondListener: SecondListener?
        /// Whether it prints `listening on http://…` (the steps do); one that does not, such as
        /// redis-server, listens on its shown port and is ready once it accepts a connection.
        var announcesAddress = true
    }

    /// A server's second port: `--admin-port`, announced as `admin API on http://127.0.0.1:PORT`.
    struct SecondListener: Sendable {
        var shownPort: Int
        var option: String
        var announcement: String
    }

    /// Started in order, so a proxy can name an origin listed before it.
    var servers: [Server]
    /// A directory a chapter shows (such as a cache directory, `/tmp/step4-cache`) that the check
    /// makes fresh and empty for every block, at a path of its own, and maps back in the output.
    var scratchDirectory: String?
    /// Whether the scratch directory must exist before the servers start (the servers block makes
    /// it with `mkdir -p`), for a server that will not create it, such as redis-server's `--dir`.
    var makesScratchDirectory = false

    // MARK: - The scenario table

    /// Every scenario a chapter can name.
    static let all: [String: Scenario] = [
        // Commands that need no server: diffs of the sources, --help, usage errors.
        "no-servers": Scenario(servers: []),
        // Chapter 1: the origin serving its bundled sample images.
        "step1": Scenario(servers: [
            Server(executable: "Step1Origin", shownPort: 8000),
        ]),
        // Chapter 2: the same with an origin that takes 300 ms per answer, so a MISS shows what a HIT saves.
        "step2-slow-origin": Scenario(servers: [
            Server(executable: "Step1Origin", shownPort: 8000, arguments: ["--delay", "300"]),
            Server(executable: "Step2NaiveCache", shownPort: 8080,
                   arguments: ["--upstream", "http://127.0.0.1:8000"]),
        ]),
        // Chapter 2: a proxy that waits only 100 ms for that 300 ms origin, so a MISS is a 504.
        "step2-upstream-timeout": Scenario(servers: [
            Server(executable: "Step1Origin", shownPort: 8000, arguments: ["--delay", "300"]),
            Server(executable: "Step2NaiveCache", shownPort: 8080,
                   arguments: ["--upstream", "http://127.0.0.1:8000", "--upstream-timeout", "100ms"]),
        ]),
        // The min-uses cache on 8080 in front of the origin on 8000, with the defaults (the docs
        // check's own tests use it).
        "step3": Scenario(servers: [
            Server(executable: "Step1Origin", shownPort: 8000),
            Server(executable: "Step3MinUses", shownPort: 8080,
                   arguments: ["--upstream", "http://127.0.0.1:8000"]),
        ]),
        // Chapter 3: the same with an origin that takes 300 ms per answer, so MISS and HIT differ in time.
        "step3-slow-origin": Scenario(servers: [
            Server(executable: "Step1Origin", shownPort: 8000, arguments: ["--delay", "300"]),
            Server(executable: "Step3MinUses", shownPort: 8080,
                   arguments: ["--upstream", "http://127.0.0.1:8000"]),
        ]),
        // Chapter 3: entries fresh for 2 s only, so a transcript can show EXPIRED after `sleep 2`.
        "step3-valid-2s": Scenario(servers: [
            Server(executable: "Step1Origin", shownPort: 8000),
            Server(executable: "Step3MinUses", shownPort: 8080,
                   arguments: ["--upstream", "http://127.0.0.1:8000", "--valid", "2s"]),
        ]),
        // Chapter 3, limits: an origin serving /tmp, so that a command can change a file there
        // (never the sample images), and entries fresh for 3 s.
        "step3-changing-origin": Scenario(servers: [
            Server(executable: "Step1Origin", shownPort: 8000, arguments: ["--root", "/tmp"]),
            Server(executable: "Step3MinUses", shownPort: 8080,
                   arguments: ["--upstream", "http://127.0.0.1:8000", "--valid", "3s"]),
        ]),
        // Chapter 3, Set-Cookie: an origin that gives every visitor without a cookie a new session,
        // behind the proxy with its default (stored and replayed) and with --strip-set-cookie.
        "step3-sessions": Scenario(servers: [
            Server(executable: "/usr/bin/env", shownPort: 8000, arguments: ["python3", "scripts/session-origin.py"]),
            Server(executable: "Step3MinUses", shownPort: 8080,
                   arguments: ["--upstream", "http://127.0.0.1:8000"]),
        ]),
        "step3-sessions-stripped": Scenario(servers: [
            Server(executable: "/usr/bin/env", shownPort: 8000, arguments: ["python3", "scripts/session-origin.py"]),
            Server(executable: "Step3MinUses", shownPort: 8080,
                   arguments: ["--upstream", "http://127.0.0.1:8000", "--strip-set-cookie"]),
        ]),
        // Chapter 3, limits: an origin that takes a whole second, so 20 simultaneous cold requests
        // all arrive before the first answer, even on a busy machine.
        "step3-slower-origin": Scenario(servers: [
            Server(executable: "Step1Origin", shownPort: 8000, arguments: ["--delay", "1000"]),
            Server(executable: "Step3MinUses", shownPort: 8080,
                   arguments: ["--upstream", "http://127.0.0.1:8000"]),
        ]),
        // Chapter 4: the disk cache on 8080, its files in /tmp/step4-cache, in front of the origin
        // on 8000 (on that very port: the keys name it).
        "step4": Scenario(servers: [
            Server(executable: "Step1Origin", shownPort: 8000, listensOnShownPort: true),
            Server(executable: "Step4Purge", shownPort: 8080,
                   arguments: ["--upstream", "http://127.0.0.1:8000", "--cache-dir", "/tmp/step4-cache"]),
        ], scratchDirectory: "/tmp/step4-cache"),
        // Chapter 5: the invalidating cache on 8080, its admin API on 8081 (the token from the
        // environment), in front of the origin on 8000; the cache and its history in /tmp/step5.
        "step5": Scenario(servers: [
            Server(executable: "Step1Origin", shownPort: 8000, listensOnShownPort: true),
            step5Proxy(),
        ], scratchDirectory: "/tmp/step5"),
        // Chapter 5: coalescing, with an origin that takes a whole second per answer, so 50
        // simultaneous cold requests all arrive before the first answer.
        "step5-slow-origin": Scenario(servers: [
            Server(executable: "Step1Origin", shownPort: 8000, arguments: ["--delay", "1000"], listensOnShownPort: true),
            step5Proxy(),
        ], scratchDirectory: "/tmp/step5"),
        "step5-fleet": step5Fleet,
        "step5-slow-origin-no-coalesce": Scenario(servers: [
            Server(executable: "Step1Origin", shownPort: 8000, arguments: ["--delay", "1000"], listensOnShownPort: true),
            step5Proxy(extraArguments: ["--no-coalesce"]),
        ], scratchDirectory: "/tmp/step5"),
    ]

    /// Chapter 5's fleet: Redis on 6390 (its files in the scratch directory), the origin, and
    /// three nodes on 8080, 8090 and 8070 with their admin APIs one port above.
    static let step5Fleet = Scenario(servers: [
        Server(executable: "/usr/bin/env", shownPort: 6390, arguments: ["redis-server", "--port", "6390", "--dir", "/tmp/step5-fleet"],
               listensOnShownPort: true, announcesAddress: false),
        Server(executable: "Step1Origin", shownPort: 8000, listensOnShownPort: true),
    ] + [("a", 8080), ("b", 8090), ("c", 8070)].map { name, port in
        Server(executable: "Step5Invalidation", shownPort: port,
               arguments: ["--port", String(port), "--admin-port", String(port + 1), "--upstream", "http://127.0.0.1:8000",
                           "--cache-dir", "/tmp/step5-fleet/\(name)", "--min-uses", "1", "--fleet", "redis://127.0.0.1:6390"],
               environment: [("STEP5_INVALIDATION_TOKEN", "workshop-token")],
               secondListener: SecondListener(shownPort: port + 1, option: "--admin-port", announcement: "admin API on "))
    }, scratchDirectory: "/tmp/step5-fleet", makesScratchDirectory: true)

    /// Chapter 5's proxy, with the chapter's token in the environment and `extraArguments`.
    private static func step5Proxy(extraArguments: [String] = []) -> Server {
        Server(executable: "Step5Invalidation", shownPort: 8080,
               arguments: ["--upstream", "http://127.0.0.1:8000", "--cache-dir", "/tmp/step5/cache"] + extraArguments,
               environment: [("STEP5_INVALIDATION_TOKEN", "workshop-token")],
               secondListener: SecondListener(shownPort: 8081, option: "--admin-port", announcement: "admin API on "))
    }
}
