import Foundation
import HTTPCore

// ANCHOR: admin-client
/// The CI side of the admin API: asks one cache server for a project's last invalidation, and
/// sends invalidations, retrying what a retry can fix.
///
/// Connection failures and `5xx` answers are retried up to `attempts` times, with a growing
/// pause (0.5 s, 1 s, 2 s…); a `4xx` is not (a wrong token stays wrong).
struct AdminClient: Sendable {
    /// Why a call did not succeed; each case is one line for the job's log.
    enum CallError: Error, Equatable, CustomStringConvertible {
        case unreachable(server: String, reason: String)
        case refused(server: String, status: Int, message: String)
        case invalidAnswer(server: String, reason: String)

        var description: String {
            switch self {
            case .unreachable(let server, let reason): "\(server): cannot reach it: \(reason)"
            case .refused(let server, let status, let message): "\(server): \(status) \(message)"
            case .invalidAnswer(let server, let reason): "\(server): unexpected answer: \(reason)"
            }
        }
    }

    /// What a server recorded last for a project.
    enum LastInvalidation: Equatable {
        /// No invalidation yet: the project's first run.
        case none
        /// The commit of the newest invalidation that completed.
        case commit(String)
        /// Invalidations were recorded, but none of the newest completed (a file could not be deleted).
        case noneCompleted
    }

    let server: UpstreamAddress
    private let client: HTTPClient
    private let token: BearerToken
    let attempts: Int
    /// Waits between attempts; a test passes one that does not sleep.
    private let pause: @Sendable (Duration) -> Void

    init(server: UpstreamAddress, token: BearerToken, attempts: Int = 4,
         pause: @escaping @Sendable (Duration) -> Void = { Thread.sleep(forTimeInterval: $0.timeInterval) }) {
        self.server = server
        client = HTTPClient(upstream: server, connectTimeout: .seconds(5), responseTimeout: .seconds(60))
        self.token = token
        self.attempts = attempts
        self.pause = pause
    }

    /// `GET /lastInvalidation?projectName=…`: the commit of the server's newest invalidation, or
    /// `.none` before the project's first (a 404). When the newest did not complete (its record
    /// has an error), the newest that did, from `GET /invalidations`: what failed is sent again.
    func lastInvalidation(of project: String) throws(CallError) -> LastInvalidation {
        let name = Self.queryEncoded(project)
        let (status, body) = try call(.get, "/lastInvalidation?projectName=" + name, body: nil)
        if status == 404 { return .none }
        guard status == 200 else { throw .refused(server: server.description, status: status, message: Self.message(in: body)) }
        guard let record = try? JSONDecoder().decode(InvalidationRecord.self, from: Data(body)) else {
            throw .invalidAnswer(server: server.description, reason: "not an invalidation record")
        }
        guard record.invalidationError != nil else { return .commit(record.commitHash) }
        let (listStatus, list) = try call(.get, "/invalidations?limit=1000&projectName=" + name, body: nil)
        guard listStatus == 200, let records = try? JSONDecoder().decode([InvalidationRecord].self, from: Data(list)) else {
            throw .invalidAnswer(server: server.description, reason: "no list of invalidation records")
        }
        return records.first { $0.invalidationError == nil }.map { .commit($0.commitHash) } ?? .noneCompleted
    }

    /// `DELETE /invalidate` of `urls` (a JSON body: no request-line limit) recorded as `commit`.
    /// A `500` with a record (a URL that failed) is returned too: the record says what failed.
    func invalidate(project: String, commit: String, urls: [String]) throws(CallError) -> (record: InvalidationRecord, isComplete: Bool) {
        struct Body: Encodable {
            var projectName: String
            var latestCommitHash: String
            var urls: [String]
        }
        let body = (try? JSONEncoder().encode(Body(projectName: project, latestCommitHash: commit, urls: urls))).map(Array.init) ?? []
        let (status, answer) = try call(.delete, "/invalidate", body: body)
        let record = try? JSONDecoder().decode(InvalidationRecord.self, from: Data(answer))
        if let record, status == 200 || status == 500 { return (record, status == 200) }
        throw .refused(server: server.description, status: status, message: Self.message(in: answer))
    }

    /// One call, retried while retrying can help; the final status and body.
    private func call(_ method: HTTPMethod, _ target: String, body: [UInt8]?) throws(CallError) -> (Int, [UInt8]) {
        var fields: HTTPFields = ["Authorization": "Bearer " + token.text, "Accept": "application/json"]
        if body != nil { fields["Content-Type"] = "application/json" }
        var wait = Duration.milliseconds(500)
        for attempt in 1...attempts {
            do {
                let response = try client.send(method: method, target: target, headerFields: fields, body: body ?? [])
                let answer = try response.readWholeBody()
                // A 500 with a record is an answer (a URL failed); other 5xx are the server's trouble.
                let status = response.status.code
                if (500...599).contains(status), status != 500 || !Self.isRecord(answer), attempt < attempts {
                    pause(wait)
                    wait *= 2
                    continue
                }
                return (status, answer)
            } catch {
                guard attempt < attempts else {
                    throw .unreachable(server: server.description, reason: "\(error)")
                }
                pause(wait)
                wait *= 2
            }
        }
        throw .unreachable(server: server.description, reason: "no attempt left")
    }

    private static func isRecord(_ body: [UInt8]) -> Bool {
        (try? JSONDecoder().decode(InvalidationRecord.self, from: Data(body))) != nil
    }

    /// The `error` of a JSON error body, or the body's first line.
    private static func message(in body: [UInt8]) -> String {
        if let object = try? JSONDecoder().decode([String: String].self, from: Data(body)), let error = object["error"] {
            return error
        }
        return String(decoding: body.prefix(200), as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
    }

    /// `text` percent-encoded for a query value.
    static func queryEncoded(_ text: String) -> String {
        PercentEncoding.encodePath(text).replacingOccurrences(of: "&", with: "%26").replacingOccurrences(of: "+", with: "%2B")
            .replacingOccurrences(of: "=", with: "%3D").replacingOccurrences(of: "?", with: "%3F")
    }
}
// ANCHOR_END: admin-client
