import Foundation
import HTTPCore

/// What a client sees of one response: the parts compared between nginx and a step.
public struct Observation: Equatable, Sendable, CustomStringConvertible {
    public var status: Int
    /// `X-Proxy-Cache`, or `nil` where the response has none.
    public var cacheStatus: String?
    public var contentType: String?
    public var contentLength: String?
    public var bodyLength: Int
    public var setCookie: [String]

    public init(_ response: RawClient.Response) {
        status = response.status
        cacheStatus = response.headerFields["X-Proxy-Cache"]
        contentType = response.headerFields["Content-Type"]
        contentLength = response.headerFields["Content-Length"]
        bodyLength = response.body.count
        setCookie = response.headerFields.values(for: "Set-Cookie")
    }

    /// One cell of the side-by-side table, such as `200 MISS image/jpeg length 5465, body 5465`.
    public var description: String {
        var text = "\(status) \(cacheStatus ?? "(none)") \(contentType ?? "(no type)")"
            + " length \(contentLength ?? "-"), body \(bodyLength)"
        if !setCookie.isEmpty { text += ", Set-Cookie \(setCookie.joined(separator: " | "))" }
        return text
    }
}

/// What one proxy made of a sequence: its answers in order, what its origin received, and the
/// files its cache holds at the end (for proxies that keep a cache directory).
public struct ConformanceTranscript: Equatable, Sendable {
    public var observations: [Observation] = []
    /// One line per request that reached the origin, e.g. `GET /1.jpg Cookie: a=1`: method,
    /// raw target, and the request fields a cache may forward or withhold.
    public var originRequests: [String] = []
    /// The cache files' paths relative to the cache directory, sorted; empty for a memory cache.
    public var cacheFiles: [String] = []
    /// Each answer as `status X-Proxy-Cache`, such as `200 HIT` or `404 -`.
    public var summary: [String] { observations.map { "\($0.status) \($0.cacheStatus ?? "-")" } }
}

/// A step's proxy as a side-by-side run uses it: its port, what keeps it running, and, for a
/// disk cache, its files.
public struct ProxyUnderTest {
    public let port: Int
    /// The cache files' paths relative to the cache directory; `nil` for a memory cache.
    public let cacheFiles: (() -> [String])?
    /// Whatever must stay alive while the proxy serves (its server, its directory).
    public let retained: [Any]

    public init(port: Int, cacheFiles: (() -> [String])? = nil, retained: [Any]) {
        self.port = port
        self.cacheFiles = cacheFiles
        self.retained = retained
    }
}

/// Runs a sequence against real nginx and an in-process step, both in front of one fresh origin
/// with the same settings.
///
/// Why one origin for both: the key is `$proxy_host$request_uri`, so both proxies make the same
/// keys, and a disk cache's files get the same paths in both cache directories. The origin tells
/// their requests apart by version: nginx asks upstreams with HTTP/1.0 (its default
/// `proxy_http_version`), the steps with HTTP/1.1.
public enum SideBySide {
    /// Both transcripts of `sequence`: every request goes to nginx, then to the step's proxy that
    /// `makeProxy` starts in front of the upstream it is given, and a wait lets time pass for both.
    private static let runs = DispatchSemaphore(value: 2)

    public static func run(_ sequence: ConformanceSequence,
                           makeProxy: (UpstreamAddress, ConformanceSequence) throws -> ProxyUnderTest)
        throws -> (nginx: ConformanceTranscript, step: ConformanceTranscript) {
        // Two side-by-side runs at a time, as many as when they ran on the test pool of a 2-core
        // machine: each starts an nginx, an origin and a proxy.
        runs.wait()
        defer { runs.signal() }
        let origin = try ConformanceOrigin.start()
        let nginx = try NginxServer(locationBody: NginxServer.workshopCacheLocation(
            upstream: origin.upstream, storeSetCookie: sequence.storesSetCookie, validity: sequence.validity))
        defer { nginx.stop() }
        let proxy = try makeProxy(origin.upstream, sequence)
        var transcripts = (nginx: ConformanceTranscript(), step: ConformanceTranscript())
        for step in sequence.steps {
            switch step {
            case .request(let method, let target, let headerFields, let body):
                let fromNginx = try RawClient(port: nginx.port).request(method, target, headerFields: headerFields, body: body)
                transcripts.nginx.observations.append(Observation(fromNginx))
                let fromStep = try RawClient(port: proxy.port).request(method, target, headerFields: headerFields, body: body)
                transcripts.step.observations.append(Observation(fromStep))
            case .wait(let duration):
                let (seconds, attoseconds) = duration.components
                Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) / 1e18)
            }
        }
        transcripts.nginx.originRequests = origin.requests.filter { $0.version == .http1_0 }.map(describe)
        transcripts.step.originRequests = origin.requests.filter { $0.version != .http1_0 }.map(describe)
        if let cacheFiles = proxy.cacheFiles {
            transcripts.nginx.cacheFiles = nginx.cacheFiles
            transcripts.step.cacheFiles = cacheFiles()
        }
        withExtendedLifetime(proxy.retained) {}
        return transcripts
    }

    /// `request` as one line of the origin's record.
    private static func describe(_ request: CountingOrigin.ReceivedRequest) -> String {
        var line = "\(request.method) \(request.target)"
        for name in ["Cookie", "Range", "If-None-Match"] {
            if let value = request.headerFields[name] { line += " \(name): \(value)" }
        }
        return line
    }

    /// A side-by-side table of both transcripts, rows that differ marked `≠`, for a failure message.
    public static func table(_ sequence: ConformanceSequence, nginx: ConformanceTranscript, step: ConformanceTranscript, stepName: String) -> String {
        var requests: [String] = []
        for step in sequence.steps {
            if case .request(let method, let target, let headerFields, _) = step {
                requests.append((["\(method) \(target)"] + headerFields.map { "\($0.name): \($0.value)" }).joined(separator: " "))
            }
        }
        var rows: [(String, String, String)] = [("request", "nginx", stepName)]
        for (index, request) in requests.enumerated() {
            rows.append((request, cell(nginx.observations, index), cell(step.observations, index)))
        }
        for index in 0..<max(nginx.originRequests.count, step.originRequests.count) {
            rows.append((index == 0 ? "origin received" : "", cell(nginx.originRequests, index), cell(step.originRequests, index)))
        }
        if nginx.originRequests.isEmpty && step.originRequests.isEmpty {
            rows.append(("origin received", "nothing", "nothing"))
        }
        for index in 0..<max(nginx.cacheFiles.count, step.cacheFiles.count) {
            rows.append((index == 0 ? "cache files" : "", cell(nginx.cacheFiles, index), cell(step.cacheFiles, index)))
        }
        let widths = (rows.map(\.0.count).max() ?? 0, rows.map(\.1.count).max() ?? 0)
        let lines = rows.enumerated().map { index, row in
            let mark = index == 0 || row.1 == row.2 ? " " : "≠"
            return "\(mark) \(row.0.padding(toLength: widths.0, withPad: " ", startingAt: 0)) | "
                + "\(row.1.padding(toLength: widths.1, withPad: " ", startingAt: 0)) | \(row.2)"
        }
        return "\(sequence.name):\n" + lines.joined(separator: "\n")
    }

    private static func cell(_ items: [some CustomStringConvertible], _ index: Int) -> String {
        index < items.count ? items[index].description : "(nothing)"
    }
}
