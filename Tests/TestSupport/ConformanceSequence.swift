import HTTPCore
import Testing

/// A request sequence run against nginx and a step's proxy alike, with the settings both get.
public struct ConformanceSequence: Sendable, CustomTestStringConvertible {
    /// One thing the client does.
    public enum Step: Sendable {
        case request(HTTPMethod, String, headerFields: HTTPFields = [:], body: [UInt8] = [])
        /// Waits, so that entries expire.
        case wait(Duration)
    }

    public let name: String
    public let steps: [Step]
    /// nginx's `proxy_ignore_headers Set-Cookie`; the step without `--no-store-set-cookie`.
    public var storesSetCookie = true
    /// nginx's `proxy_cache_valid 200 <validity>`; the step's `--valid <validity>`.
    public var validity = "60m"

    public var testDescription: String { name }

    public init(name: String, steps: [Step], storesSetCookie: Bool = true, validity: String = "60m") {
        self.name = name
        self.steps = steps
        self.storesSetCookie = storesSetCookie
        self.validity = validity
    }

    /// `count` times `method target`.
    public static func repeated(_ count: Int, _ target: String, method: HTTPMethod = .get,
                         headerFields: HTTPFields = [:]) -> [Step] {
        Array(repeating: .request(method, target, headerFields: headerFields), count: count)
    }
}

extension ConformanceSequence {
    /// Every sequence whose answers must be the same from nginx and from steps 3 and 4.
    public static let all: [ConformanceSequence] = [
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
