import Foundation
import HTTPCore

// ANCHOR: admin-api
/// The admin listener's handler: the invalidation API with Imcaxy's routes, and the usage
/// statistics. It listens on a port of its own (`--admin-port`, loopback by default), so that an
/// origin's own `/invalidate` is never shadowed and the image port never exposes it.
///
/// | route | method | answer |
/// |---|---|---|
/// | `/invalidate` | DELETE | drops every variant of each URL's source; `200` + the record (`500` + the record when a file could not be deleted) |
/// | `/lastInvalidation`, `/latestInvalidation` | GET | the project's newest record; `404` before its first |
/// | `/invalidations` | GET | the project's records, newest first, `limit` of them (default 20) |
/// | `/stats` | GET | totals and the `top` most used keys (default 10), JSON |
/// | `/metrics` | GET | the counters in Prometheus's text format |
///
/// The invalidation routes need `Authorization: Bearer <token>` (`401` without it, checked
/// before anything else is read) and answer `503` when no token is configured: never open by
/// default. `/stats` and `/metrics` hold no secret and change nothing: they need no token, so a
/// scraper needs none, and the listener's address is what keeps them private. Every error is
/// a JSON object `{"error": "…"}` with the status that says what went wrong.
struct AdminAPI: HTTPHandler {
    let cache: ResponseCache
    /// Where records are kept: the local history file, or, in a fleet, Redis.
    let history: any InvalidationStore
    /// `nil`: no token configured, the invalidation routes answer `503`.
    let token: BearerToken?
    let metrics: ProxyMetrics
    /// The fetches in flight, for `/metrics`; `nil` when misses are not coalesced.
    let sharedFetches: SharedFetches?
    /// The fleet node this is; `nil` for a cache on its own.
    var fleet: FleetNode? = nil

    func respond(to request: HTTPRequest) -> HTTPResponse {
        let path = request.target.prefix { $0 != "?" }
        switch path {
        case "/invalidate":
            return authorized(request, methods: [.delete]) { invalidate(request) }
        case "/lastInvalidation", "/latestInvalidation":
            return authorized(request, methods: [.get, .head]) { lastInvalidation(request) }
        case "/invalidations":
            return authorized(request, methods: [.get, .head]) { invalidations(request) }
        case "/stats":
            return allowing(request, methods: [.get, .head]) { statistics(request) }
        case "/metrics":
            return allowing(request, methods: [.get, .head]) { exposition() }
        default:
            return .jsonError(.notFound, "no such endpoint: \(path.prefix(200)); see /invalidate, /lastInvalidation, "
                + "/invalidations, /stats, /metrics")
        }
    }
    // ANCHOR_END: admin-api

    // MARK: - Methods and authentication

    /// `answer()` when `request`'s method is one of `methods`, else `405` with `Allow` (RFC 9110 §15.5.6).
    private func allowing(_ request: HTTPRequest, methods: [HTTPMethod], answer: () -> HTTPResponse) -> HTTPResponse {
        guard methods.contains(request.method) else {
            let allowed = methods.map(\.rawValue).joined(separator: ", ")
            return .jsonError(.methodNotAllowed, "\(request.target.prefix { $0 != "?" }) takes \(allowed), not \(request.method)",
                              headerFields: ["Allow": allowed])
        }
        return answer()
    }

    // ANCHOR: authorized
    /// `answer()` for a caller with the token; `401` with `WWW-Authenticate: Bearer` (RFC 6750 §3)
    /// for one without it, `503` when no token is configured.
    private func authorized(_ request: HTTPRequest, methods: [HTTPMethod], answer: () -> HTTPResponse) -> HTTPResponse {
        allowing(request, methods: methods) {
            guard let token else {
                return .jsonError(.serviceUnavailable, "the invalidation API is off: no token is configured "
                    + "(--token-file FILE or \(BearerToken.environmentVariable))")
            }
            let authorization = request.headerFields["Authorization"]
            guard token.admits(authorization: authorization) else {
                // RFC 6750 §3.1: no credentials get the challenge alone; wrong ones get `invalid_token`.
                let challenge = authorization == nil ? "Bearer realm=\"invalidation\""
                    : "Bearer realm=\"invalidation\", error=\"invalid_token\""
                return .jsonError(.unauthorized, authorization == nil ? "an Authorization: Bearer token is required"
                    : "the bearer token is not valid", headerFields: ["WWW-Authenticate": challenge])
            }
            return answer()
        }
    }
    // ANCHOR_END: authorized

    // MARK: - The invalidation routes

    // ANCHOR: invalidate
    /// `DELETE /invalidate`: every variant of each URL's source goes, one URL after another;
    /// one that fails does not stop the others. The record is flushed to the history before the
    /// answer: `200`, or `500` when any URL (or the history) failed, with the whole record.
    private func invalidate(_ request: HTTPRequest) -> HTTPResponse {
        let call: InvalidationRequest
        do {
            call = try InvalidationRequest(request)
        } catch {
            return .jsonError(error.status, error.description)
        }
        // Until the loader has read the directory, the source index does not know every entry.
        guard cache.isLoaded else {
            return .jsonError(.serviceUnavailable, "the cache directory is still being loaded; try again",
                              headerFields: ["Retry-After": "1"])
        }
        var record = InvalidationRecord(projectName: call.projectName, commitHash: call.commitHash,
                                        invalidationDate: InvalidationRecord.rfc3339(Int64(time(nil))),
                                        requestedInvalidations: call.urls)
        if let fleet {
            // A fleet: recorded and published first, then applied here as on every node. One
            // that may not reach every node is refused, not half done.
            do {
                record = try fleet.publish(record)
            } catch {
                return .jsonError(.serviceUnavailable, "the fleet cannot be reached (\(error)); nothing was invalidated",
                                  headerFields: ["Retry-After": "1"])
            }
            return .json(record.invalidationError == nil ? .ok : .internalServerError, record)
        }
        cache.invalidate(&record)
        ProxyMetrics.increment(metrics.invalidatedEntries, by: record.invalidatedImages.count)
        do {
            try history.append(record)
            ProxyMetrics.increment(metrics.invalidations)
        } catch {
            // The entries are gone all the same; the caller learns that the history missed it.
            let note = "the history could not record this call: \(error)"
            record.invalidationError = record.invalidationError.map { $0 + "; " + note } ?? note
        }
        return .json(record.invalidationError == nil ? .ok : .internalServerError, record)
    }
    // ANCHOR_END: invalidate

    /// `GET /lastInvalidation?projectName=P`: the newest record of P, or `404` before its first.
    private func lastInvalidation(_ request: HTTPRequest) -> HTTPResponse {
        guard let project = projectName(of: request) else { return .jsonError(.badRequest, "missing parameter projectName") }
        do {
            guard let record = try history.latest(of: project) else {
                return .jsonError(.notFound, "no invalidation recorded for project \(project)")
            }
            return .json(.ok, record)
        } catch {
            return .jsonError(.serviceUnavailable, "the history cannot be read (\(error))", headerFields: ["Retry-After": "1"])
        }
    }

    /// `GET /invalidations?projectName=P&limit=N`: P's records, newest first.
    private func invalidations(_ request: HTTPRequest) -> HTTPResponse {
        guard let project = projectName(of: request) else { return .jsonError(.badRequest, "missing parameter projectName") }
        guard let limit = integerParameter("limit", of: request, default: 20, range: 1...InvalidationHistory.keptPerProject) else {
            return .jsonError(.badRequest, "invalid parameter limit: a number from 1 to \(InvalidationHistory.keptPerProject)")
        }
        do {
            return .json(.ok, try history.records(of: project, limit: limit))
        } catch {
            return .jsonError(.serviceUnavailable, "the history cannot be read (\(error))", headerFields: ["Retry-After": "1"])
        }
    }

    // MARK: - Parameters

    private func projectName(of request: HTTPRequest) -> String? {
        (try? QueryParameters(target: request.target))?["projectName"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The integer parameter `name` of `request`, `default` when absent; `nil` when not in `range`.
    func integerParameter(_ name: String, of request: HTTPRequest, default value: Int, range: ClosedRange<Int>) -> Int? {
        guard let parameters = try? QueryParameters(target: request.target) else { return nil }
        guard let text = parameters[name] else { return value }
        return Int(text).flatMap { range.contains($0) ? $0 : nil }
    }
}

extension InvalidationRequest.Problem {
    /// `400` for a parameter, `415` for a body of another type.
    var status: HTTPStatus {
        // RFC 9110 §15.5.16: 415 Unsupported Media Type.
        if case .unsupportedMediaType = self { HTTPStatus(code: 415) } else { .badRequest }
    }
}
