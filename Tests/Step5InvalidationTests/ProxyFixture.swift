import Foundation
import HTTPCore
import Synchronization
import TestSupport
@testable import Step5Invalidation
import NginxCache

/// A `CachingProxy` on a free port in front of a stub origin, and its admin API on another, for one test.
///
/// The proxy runs in-process with the options a test gives (the command line's defaults
/// otherwise), so a test can look into its cache as well as at what the origin received. Both
/// stop when the fixture is released.
struct ProxyFixture {
    /// The bytes of the workshop's sample image `1.jpg`.
    static let image = try! SampleImages.bytes("1.jpg")

    /// The end-to-end fields the stub origin sends with an image, as Step1Origin would.
    static let imageFields: HTTPFields = [
        "Content-Type": "image/jpeg", "Last-Modified": "Tue, 14 Nov 2023 22:13:20 GMT",
        "ETag": "\"6553f100-1559\"", "Accept-Ranges": "bytes",
    ]

    /// The origin's answer for an image: `imageFields` plus `extraFields`, and `body`.
    static func imageResponse(extraFields: HTTPFields = [:], body: [UInt8] = image) -> HTTPResponse {
        var fields = imageFields
        for field in extraFields { fields.append(name: field.name, value: field.value) }
        return HTTPResponse(status: .ok, headerFields: fields, body: .bytes(body))
    }

    /// An origin serving `/1.jpg` and nothing else (404).
    static func makeImageOrigin(delay: Duration = .zero) throws -> CountingOrigin {
        try CountingOrigin(delay: delay, routes: ["/1.jpg": imageResponse()])
    }

    let proxy: CachingProxy
    let server: TestServer
    /// The cache directory, thrown away with the fixture.
    let directory: TemporaryDirectory
    /// What the cache reported about files, one line each.
    let reports = ReportLog()

    /// The clock the proxy's cache reads: tests move it instead of sleeping.
    let clock = ManualClock()

    /// Starts a proxy for `upstream` with `options` (their host, port and upstream are ignored),
    /// its cache in `directory` (a new empty one unless given), its index loaded from it.
    init(upstream: UpstreamAddress, options: ProxyOptions = ProxyOptions(), upstreamTimeout: Duration = .seconds(10),
         directory: TemporaryDirectory? = nil, adminToken: String? = ProxyFixture.token) throws {
        let clock = clock
        let directory = try directory ?? TemporaryDirectory()
        self.directory = directory
        var options = options
        options.cacheDirectory = directory.path + "/cache"
        let reports = reports
        let cache = options.makeCache(now: { clock.now }, report: { reports.append($0) })
        try cache.directory.createIfMissing()
        _ = try cache.load()
        let sharedFetches = options.coalescesMisses ? SharedFetches() : nil
        proxy = CachingProxy(upstream: upstream, upstreamTimeout: upstreamTimeout, policy: options.policy, cache: cache,
                             purgeAllow: options.purgeAllow, sharedFetches: sharedFetches)
        server = try TestServer(handler: proxy, configuration: ServerConfiguration(serverName: "Step5Invalidation", accessLog: .disabled))
        history = try InvalidationHistory(path: directory.path + "/history.jsonl") { reports.append($0) }
        let token = try adminToken.map { try BearerToken(text: $0, source: "the test") }
        admin = try TestServer(handler: AdminAPI(cache: cache, history: history, token: token, metrics: proxy.metrics,
                                                 sharedFetches: sharedFetches),
                               configuration: ServerConfiguration(serverName: "Step5Invalidation", accessLog: .disabled))
    }

    /// The admin API's token in every fixture that does not say otherwise.
    static let token = "test-token"

    /// The admin API, on a port of its own, and the history it writes.
    let admin: TestServer
    let history: InvalidationHistory

    /// Sends one request to the admin API, with the fixture's token unless `authorization` says otherwise.
    func adminRequest(_ method: HTTPMethod = .get, _ target: String, authorization: String? = "Bearer \(ProxyFixture.token)",
                      headerFields: HTTPFields = [:], body: [UInt8] = []) throws -> RawClient.Response {
        var fields = headerFields
        if let authorization { fields["Authorization"] = authorization }
        return try RawClient(port: admin.port).request(method, target, headerFields: fields, body: body)
    }

    /// Starts a proxy for `upstream` with the default options changed by `change`.
    init(upstream: UpstreamAddress, changing change: (inout ProxyOptions) -> Void) throws {
        var options = ProxyOptions()
        change(&options)
        try self.init(upstream: upstream, options: options)
    }

    /// The proxy's port.
    var port: Int { server.port }

    /// The cache key of `target` at `upstream`, as the proxy makes it.
    func key(_ target: String, upstream: UpstreamAddress) -> CacheKey {
        CacheKey(proxyHost: upstream.proxyHost, target: target)
    }

    /// The cache directory's path.
    var cachePath: String { proxy.cache.directory.path }

    /// The path of the file of `target`'s entry.
    func path(of target: String, upstream: UpstreamAddress) -> String {
        proxy.cache.path(for: key(target, upstream: upstream))
    }

    /// The body stored in `target`'s file, after checking the file as a HIT does; `nil` without one.
    func storedBody(of target: String, upstream: UpstreamAddress) -> [UInt8]? {
        let key = key(target, upstream: upstream)
        guard let file = try? CacheFile(path: proxy.cache.path(for: key), expectedKey: Array(key.rawValue.utf8)) else { return nil }
        return try? file.file.read(count: Int(file.bodyLength), at: file.bodyOffset)
    }

    /// Every file under the cache directory, relative to it, sorted.
    var files: [String] { FileTree.files(under: cachePath) }

    /// Sends one request to the proxy on a new connection and reads the answer.
    func request(_ method: HTTPMethod = .get, _ target: String, headerFields: HTTPFields = [:],
                 body: [UInt8] = []) throws -> RawClient.Response {
        try RawClient(port: port).request(method, target, headerFields: headerFields, body: body)
    }

    /// The X-Proxy-Cache values of `count` GETs (or `method` requests) of `target`, in order;
    /// `-` where the answer has none.
    func cacheStatuses(of target: String, _ method: HTTPMethod = .get, count: Int) throws -> [String] {
        try (0..<count).map { _ in try request(method, target).headerFields["X-Proxy-Cache"] ?? "-" }
    }
}

extension Array where Element == UInt8 {
    /// Whether these are exactly the bytes of `ProxyFixture.image`; a failure then reports one
    /// word instead of five thousand numbers.
    var isTheImage: Bool { self == ProxyFixture.image }
}

/// Lines a cache reported, collected for a test to read.
final class ReportLog: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    var all: [String] { lines.withLock { $0 } }
}
