import HTTPCore
import Testing

/// A request sequence run against nginx and Step3MinUses alike, with the settings both get.
struct ConformanceSequence: Sendable, CustomTestStringConvertible {
    /// One thing the client does.
    enum Step: Sendable {
        case request(HTTPMethod, String, headerFields: HTTPFields = [:], body: [UInt8] = [])
        /// Waits, so that entries expire.
        case wait(Duration)
    }

    let name: String
    let steps: [Step]
    /// nginx's `proxy_ignore_headers Set-Cookie`; Step3MinUses without `--no-store-set-cookie`.
    var storesSetCookie = true
    /// nginx's `proxy_cache_valid 200 <validity>`; Step3MinUses's `--valid <validity>`.
    var validity = "60m"

    var testDescription: String { name }

    /// `count` times `method target`.
    static func repeated(_ count: Int, _ target: String, method: HTTPMethod = .get,
                         headerFields: HTTPFields = [:]) -> [Step] {
        Array(repeating: .request(method, target, headerFields: headerFields), count: count)
    }
}

extension ConformanceSequence {
    /// Every sequence whose answers must be the same from both proxies.
    static let all: [ConformanceSequence] = [
        // MARK: Min-uses admission (proxy_cache_min_uses 2)
        ConformanceSequence(name: "GET x4", steps: repeated(4, "/1.jpg")),
        ConformanceSequence(name: "HEAD x4", steps: repeated(4, "/1.jpg", method: .head)),
        ConformanceSequence(name: "HEAD, GET, GET", steps: repeated(1, "/1.jpg", method: .head) + repeated(2, "/1.jpg")),
        ConformanceSequence(name: "GET, GET, HEAD, GET",
                            steps: repeated(2, "/1.jpg") + repeated(1, "/1.jpg", method: .head) + repeated(1, "/1.jpg")),
        ConformanceSequence(name: "2.jpg: GET, HEAD, GET, HEAD", steps: [
            .request(.get, "/2.jpg"), .request(.head, "/2.jpg"), .request(.get, "/2.jpg"), .request(.head, "/2.jpg"),
        ]),
        ConformanceSequence(name: "query variants: five raw targets, five keys, three rounds",
                            steps: Array(repeating: ["/1.jpg", "/1.jpg?w=100", "/1.jpg?", "//1.jpg", "/%31.jpg"]
                                .map { Step.request(.get, $0) }, count: 3).flatMap { $0 }),
        ConformanceSequence(name: "404 x3", steps: repeated(3, "/missing.jpg")),
        ConformanceSequence(name: "301 x3", steps: repeated(3, "/old.jpg")),
        ConformanceSequence(name: "POST, then GET x3", steps: [
            .request(.post, "/1.jpg", body: Array("a new picture".utf8)),
        ] + repeated(3, "/1.jpg")),
        ConformanceSequence(name: "request Cookie: forwarded, not part of the key", steps: ["a=1", "b=2", "c=3"].map {
            .request(.get, "/1.jpg", headerFields: ["Cookie": $0])
        }),
        ConformanceSequence(name: "Range: forwarded before admission only, ignored on a HIT",
                            steps: repeated(3, "/1.jpg", headerFields: ["Range": "bytes=0-99"])),

        // MARK: Set-Cookie
        ConformanceSequence(name: "Set-Cookie, stored (proxy_ignore_headers Set-Cookie)", steps: repeated(4, "/cookie.jpg")),
        ConformanceSequence(name: "Set-Cookie, never stored (nginx's default, --no-store-set-cookie)",
                            steps: repeated(4, "/cookie.jpg"), storesSetCookie: false),

        // MARK: The origin's Cache-Control and Expires
        ConformanceSequence(name: "Cache-Control: no-store", steps: repeated(3, "/no-store.jpg")),
        ConformanceSequence(name: "Cache-Control: no-cache", steps: repeated(3, "/no-cache.jpg")),
        ConformanceSequence(name: "Cache-Control: private, max-age=600", steps: repeated(3, "/private.jpg")),
        ConformanceSequence(name: "Cache-Control: max-age=0", steps: repeated(3, "/max-age-0.jpg")),
        ConformanceSequence(name: "Cache-Control: public, max-age=600", steps: repeated(3, "/max-age-600.jpg")),
        ConformanceSequence(name: "404 with Cache-Control: max-age=600 is stored", steps: repeated(3, "/missing-max-age.jpg")),
        ConformanceSequence(name: "Expires in the past", steps: repeated(3, "/expires-past.jpg")),
        ConformanceSequence(name: "Vary: *", steps: repeated(3, "/vary-star.jpg")),

        // MARK: Expiry
        ConformanceSequence(name: "EXPIRED after proxy_cache_valid 200 1s (--valid 1s)",
                            steps: repeated(3, "/1.jpg") + [.wait(.milliseconds(2_200))] + repeated(2, "/1.jpg"),
                            validity: "1s"),
        ConformanceSequence(name: "EXPIRED after Cache-Control: max-age=1",
                            steps: repeated(3, "/max-age-1.jpg") + [.wait(.milliseconds(2_200))] + repeated(2, "/max-age-1.jpg")),
    ]
}

/// A sequence where Step3MinUses answers differently from nginx on purpose: both answers are
/// pinned down, so the difference is documented by a test instead of hidden.
struct DeliberateDifference: Sendable, CustomTestStringConvertible {
    let sequence: ConformanceSequence
    /// Each response as `status X-Proxy-Cache` (`-` for none), e.g. `200 HIT`.
    let nginx: [String]
    let step3: [String]
    /// Why step 3 does not do what nginx does.
    let reason: String

    var testDescription: String { sequence.name }

    static let all: [DeliberateDifference] = [
        DeliberateDifference(
            sequence: ConformanceSequence(name: "Vary: Accept-Encoding", steps: ConformanceSequence.repeated(3, "/vary.jpg")),
            nginx: ["200 MISS", "200 MISS", "200 HIT"],
            step3: ["200 MISS", "200 MISS", "200 MISS"],
            reason: "step 3 keeps one response per key; nginx keeps one per variant (a secondary key)"),
        DeliberateDifference(
            sequence: ConformanceSequence(name: "If-None-Match on a HIT", steps: ConformanceSequence.repeated(2, "/etag.jpg")
                + ConformanceSequence.repeated(1, "/etag.jpg", headerFields: ["If-None-Match": "\"v1\""])),
            nginx: ["200 MISS", "200 MISS", "304 HIT"],
            step3: ["200 MISS", "200 MISS", "200 HIT"],
            reason: "step 3 answers a HIT in full; conditional requests were chapter 1's lesson, an exercise here"),
        DeliberateDifference(
            sequence: ConformanceSequence(name: "Range when the origin sends Accept-Ranges",
                                          steps: ConformanceSequence.repeated(3, "/ranges.jpg", headerFields: ["Range": "bytes=0-99"])),
            // The stub origin ignores Range, so nginx passes its first 200 through whole; from the
            // stored copy on, nginx cuts the range itself.
            nginx: ["200 MISS", "206 MISS", "206 HIT"],
            step3: ["200 MISS", "200 MISS", "200 HIT"],
            reason: "step 3 answers with the whole stored response (RFC 9110 §14.2 lets a server ignore Range); byte ranges were chapter 1's lesson, an exercise here"),
        DeliberateDifference(
            sequence: ConformanceSequence(name: "Expires in the past, then Cache-Control: max-age=600",
                                          steps: ConformanceSequence.repeated(3, "/expires-then-max-age.jpg")),
            nginx: ["200 MISS", "200 MISS", "200 MISS"],
            step3: ["200 MISS", "200 MISS", "200 HIT"],
            reason: "RFC 9111 §5.3: max-age wins over Expires; nginx lets an Expires that comes first veto storing"),
    ]
}
