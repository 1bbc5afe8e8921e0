import Foundation
import HTTPCore

extension CachingProxy {
    // MARK: - PURGE

    // ANCHOR: purge
    /// The answer to `PURGE target`: the entry of the key a GET of `target` would use is deleted
    /// (`200`, or `404` when nothing was cached); with a trailing `*`, every entry whose key starts
    /// with the part before it. Only clients in `--purge-allow` may purge (`403` for others). A
    /// purge is never forwarded upstream and never counts as a use.
    func purge(_ request: HTTPRequest) -> HTTPResponse {
        guard let client = request.remoteAddress?.host, purgeAllow.contains(where: { $0.contains(client) }) else {
            // The reason names the client's address, never the allow-list: that is the operator's.
            let address = request.remoteAddress.map { "\($0.host)" } ?? "an unknown address"
            return .json(.forbidden, PurgeAnswer(status: "forbidden", reason: "PURGE is not allowed from \(address) (--purge-allow)"))
        }
        // The same function that makes the GET's key: one formula, never a second copy of it.
        let key = CacheKey(proxyHost: proxyHost, target: upstreamTarget(of: request))
        // Only a final `*` is special: `/images/*` is a prefix, `/a*b.jpg` a key like any other.
        guard key.rawValue.hasSuffix("*") else {
            let purged = cache.purge(key)
            if purged.wasCached { ProxyMetrics.increment(metrics.purges) }
            return .json(purged.wasCached ? .ok : .notFound,
                         PurgeAnswer(status: purged.wasCached ? "purged" : "not cached", key: key.rawValue, path: purged.path))
        }
        let prefix = String(key.rawValue.dropLast())
        switch cache.purge(prefix: prefix) {
        case .loading:
            return .json(.serviceUnavailable, PurgeAnswer(status: "loading", prefix: prefix,
                                                          reason: "the cache directory is still being loaded; try again"),
                         headerFields: ["Retry-After": "1"])
        case .purged(let keys):
            if !keys.isEmpty { ProxyMetrics.increment(metrics.purges) }
            let shown = keys.map(\.rawValue).sorted().prefix(Self.purgedKeysShown)
            return .json(keys.isEmpty ? .notFound : .ok,
                         PurgeAnswer(status: keys.isEmpty ? "not cached" : "purged", prefix: prefix, count: keys.count,
                                     keys: Array(shown), truncated: keys.count > shown.count))
        }
    }
    // ANCHOR_END: purge

    /// The most keys a prefix purge's answer lists; `count` always says how many went.
    static let purgedKeysShown = 100

    /// Loopback only, IPv4 and IPv6: the default of `--purge-allow`.
    static let loopback = [AddressBlock(parsing: "127.0.0.0/8")!, AddressBlock(parsing: "::1")!]
}

/// The JSON body of a PURGE answer; fields that do not apply are left out.
struct PurgeAnswer: Encodable {
    var status: String
    var key: String?
    var path: String?
    var prefix: String?
    var count: Int?
    var keys: [String]?
    var truncated: Bool?
    var reason: String?
}
