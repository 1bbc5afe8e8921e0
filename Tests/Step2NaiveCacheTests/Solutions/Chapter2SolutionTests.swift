import Testing
@testable import Step2NaiveCache

/// The claims of chapter 2's worked solutions (docs/solutions/02-naive-cache.md).
@Suite("Chapter 2's solutions do what their text claims")
struct Chapter2SolutionTests {
    @Test("Without the query, 5,000 cache-busting URLs are one key, and so are two widths of one image")
    func queryIgnoringKey() {
        let keys = Set((1...5_000).map { CacheKey(proxyHost: "127.0.0.1:8000", targetIgnoringQuery: "/1.jpg?v=\($0)") })
        #expect(keys == [CacheKey(proxyHost: "127.0.0.1:8000", target: "/1.jpg")])
        // Where the query names a variant, two different answers now share one entry: the mistake.
        #expect(CacheKey(proxyHost: "h", targetIgnoringQuery: "/1.jpg?w=100") == CacheKey(proxyHost: "h", targetIgnoringQuery: "/1.jpg?w=800"))
        // Only the query goes: other spellings of a path stay distinct keys, as in nginx's $request_uri.
        #expect(CacheKey(proxyHost: "h", targetIgnoringQuery: "/%31.jpg?x") != CacheKey(proxyHost: "h", targetIgnoringQuery: "/1.jpg"))
    }
}
