import Foundation
import HTTPCore
import Testing
import TestSupport
@testable import Step3MinUses

/// What a client sees of one response: the parts compared between nginx and Step3MinUses.
struct Observation: Equatable, CustomStringConvertible {
    var status: Int
    /// `X-Proxy-Cache`, or `nil` where the response has none.
    var cacheStatus: String?
    var contentType: String?
    var contentLength: String?
    var bodyLength: Int
    var setCookie: [String]

    init(_ response: RawClient.Response) {
        status = response.status
        cacheStatus = response.headerFields["X-Proxy-Cache"]
        contentType = response.headerFields["Content-Type"]
        contentLength = response.headerFields["Content-Length"]
        bodyLength = response.body.count
        setCookie = response.headerFields.values(for: "Set-Cookie")
    }

    /// One cell of the side-by-side table, such as `200 MISS image/jpeg length 5465, body 5465`.
    var description: String {
        var text = "\(status) \(cacheStatus ?? "(none)") \(contentType ?? "(no type)")"
            + " length \(contentLength ?? "-"), body \(bodyLength)"
        if !setCookie.isEmpty { text += ", Set-Cookie \(setCookie.joined(separator: " | "))" }
        return text
    }
}

/// What one proxy made of a sequence: its answers in order, and what its origin received.
struct Transcript: Equatable {
    var observations: [Observation] = []
    /// One line per request that reached the origin, e.g. `GET /1.jpg Cookie: a=1`: method,
    /// raw target, and the request fields a cache may forward or withhold.
    var originRequests: [String] = []

    /// Each answer as `status X-Proxy-Cache`, such as `200 HIT` or `404 -`.
    var summary: [String] { observations.map { "\($0.status) \($0.cacheStatus ?? "-")" } }
}

/// Runs a sequence against real nginx and an in-process Step3MinUses, each in front of its own
/// fresh origin with the same routes and the same settings.
enum SideBySide {
    /// Both transcripts of `sequence`: every request goes to nginx, then to Step3MinUses, and a
    /// wait lets time pass for both at once.
    static func run(_ sequence: ConformanceSequence) throws -> (nginx: Transcript, step3: Transcript) {
        let nginxOrigin = try ConformanceOrigin.start()
        let nginx = try NginxServer(locationBody: NginxServer.workshopCacheLocation(
            upstream: nginxOrigin.upstream, storeSetCookie: sequence.storesSetCookie, validity: sequence.validity))
        defer { nginx.stop() }

        let step3Origin = try ConformanceOrigin.start()
        var options = ProxyOptions()
        options.validity = try #require(Duration(nginxTime: sequence.validity))
        options.storesSetCookie = sequence.storesSetCookie
        let proxy = CachingProxy(upstream: step3Origin.upstream, upstreamTimeout: .seconds(10),
                                 policy: options.policy, cache: options.makeCache())
        let step3 = try TestServer(handler: proxy, configuration: ServerConfiguration(serverName: "Step3MinUses",
                                                                                      accessLog: .disabled))

        var transcripts = (nginx: Transcript(), step3: Transcript())
        for step in sequence.steps {
            switch step {
            case .request(let method, let target, let headerFields, let body):
                let fromNginx = try RawClient(port: nginx.port).request(method, target, headerFields: headerFields, body: body)
                transcripts.nginx.observations.append(Observation(fromNginx))
                let fromStep3 = try RawClient(port: step3.port).request(method, target, headerFields: headerFields, body: body)
                transcripts.step3.observations.append(Observation(fromStep3))
            case .wait(let duration):
                let (seconds, attoseconds) = duration.components
                Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) / 1e18)
            }
        }
        transcripts.nginx.originRequests = nginxOrigin.requests.map(describe)
        transcripts.step3.originRequests = step3Origin.requests.map(describe)
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
    static func table(_ sequence: ConformanceSequence, nginx: Transcript, step3: Transcript) -> String {
        var requests: [String] = []
        for step in sequence.steps {
            if case .request(let method, let target, let headerFields, _) = step {
                requests.append((["\(method) \(target)"] + headerFields.map { "\($0.name): \($0.value)" }).joined(separator: " "))
            }
        }
        var rows: [(String, String, String)] = [("request", "nginx", "Step3MinUses")]
        for (index, request) in requests.enumerated() {
            rows.append((request, cell(nginx.observations, index), cell(step3.observations, index)))
        }
        for index in 0..<max(nginx.originRequests.count, step3.originRequests.count) {
            rows.append((index == 0 ? "origin received" : "", cell(nginx.originRequests, index), cell(step3.originRequests, index)))
        }
        if nginx.originRequests.isEmpty && step3.originRequests.isEmpty {
            rows.append(("origin received", "nothing", "nothing"))
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
