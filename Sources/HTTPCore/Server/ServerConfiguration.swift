/// Where a server listens, how many connections it serves at once, and how long it waits.
///
/// The defaults follow nginx's where nginx has one (`keepalive_timeout 75s`,
/// `client_header_timeout 60s` is shortened to 10s here: a head that takes longer is an attack).
public struct ServerConfiguration: Sendable {
    /// The address to listen on; `127.0.0.1` keeps a workshop server off the network.
    public var host: String
    /// The port to listen on; 0 lets the kernel choose a free one.
    public var port: Int
    /// The name sent in the `Server` header.
    public var serverName: String
    /// The most connections served at once (nginx's `worker_connections`); at the cap, a new
    /// client waits in the kernel's accept backlog until a connection closes or the idle one
    /// waiting longest is closed to make room for it.
    public var maxConnections: Int
    /// The total time a client has to send a complete request head, from its first byte.
    public var headTimeout: Duration
    /// How long a kept-alive connection may sit idle before the server closes it.
    public var idleTimeout: Duration
    /// How long request content may stop arriving, and a response stop being taken, before the
    /// connection is closed (nginx's `client_body_timeout` and `send_timeout`): the clock runs
    /// only while no byte moves, so a slow client that keeps reading is served.
    public var ioTimeout: Duration
    /// The longest a graceful shutdown waits for responses in flight.
    public var shutdownGracePeriod: Duration
    /// Request size limits.
    public var limits: HTTPParserLimits
    /// Where one line per request goes.
    public var accessLog: AccessLog
    /// Descriptors one connection may hold at once, which caps the connections the open-file
    /// limit allows: its socket and one file or upstream socket by default; a proxy that writes
    /// a cache file while it relays holds three.
    public var descriptorsPerConnection = DescriptorLimit.descriptorsPerConnection

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        serverName: String = "HTTPCore",
        maxConnections: Int = 1024,
        headTimeout: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(75),
        ioTimeout: Duration = .seconds(60),
        shutdownGracePeriod: Duration = .seconds(10),
        limits: HTTPParserLimits = .default,
        accessLog: AccessLog = .standardError
    ) {
        self.host = host
        self.port = port
        self.serverName = serverName
        self.maxConnections = maxConnections
        self.headTimeout = headTimeout
        self.idleTimeout = idleTimeout
        self.ioTimeout = ioTimeout
        self.shutdownGracePeriod = shutdownGracePeriod
        self.limits = limits
        self.accessLog = accessLog
    }
}
