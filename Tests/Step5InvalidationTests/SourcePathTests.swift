import Testing
@testable import Step5Invalidation

@Suite("Sources: RFC 3986 §6.2.2 normalisation, and the sources of a key", .timeLimit(.minutes(1)))
struct SourcePathTests {
    @Test("A URL or path names its normalised path; only the path counts", arguments: [
        ("/1.jpg", "/1.jpg"),
        ("/%31.jpg", "/1.jpg"),                                   // §6.2.2.2: a digit needs no escape
        ("/%7e1.jpg", "/~1.jpg"),                                 // §2.3: ~ is unreserved
        ("/a%2fb.jpg", "/a%2Fb.jpg"),                             // §6.2.2.1: other escapes in upper case, kept
        ("/a%20b.jpg", "/a%20b.jpg"),
        ("/images/%2a", "/images/%2A"),                           // a sub-delim stays escaped: not a trailing *
        ("/images/../1.jpg", "/1.jpg"),                           // §6.2.2.3 / §5.2.4
        ("/images/./1.jpg", "/images/1.jpg"),
        ("/images/%2E%2E/1.jpg", "/1.jpg"),                       // decoded dots are dot segments
        ("/../../1.jpg", "/1.jpg"),                               // never above the root
        ("/a/.", "/a/"),
        ("/a/..", "/"),
        ("/1.jpg?w=100", "/1.jpg"),
        ("/1.jpg?", "/1.jpg"),
        ("http://cdn.example/images/1.jpg", "/images/1.jpg"),
        ("HTTPS://CDN.example:8443/1.jpg?w=1#x", "/1.jpg"),
        ("http://cdn.example", "/"),                              // §6.2.3: an empty path is /
        ("http://cdn.example?x=1", "/"),
    ])
    func normalises(url: String, expected: String) {
        #expect(SourcePath(url: url)?.rawValue == expected)
    }

    @Test("What is not an http(s) URL or a path is refused", arguments: [
        "", "1.jpg", "ftp://host/1.jpg", "//host/1.jpg", "/a b.jpg", "/1.jpg\r\n", "/%zz.jpg", "/%3", "http:///1.jpg", "http://",
    ])
    func refuses(url: String) {
        #expect(SourcePath(url: url) == nil)
    }

    @Test("A key's sources: its target's path, and with a source parameter the path of the URL it names", arguments: [
        ("127.0.0.1:8000/1.jpg", nil, ["/1.jpg"]),
        ("127.0.0.1:8000/%31.jpg?w=100", nil, ["/1.jpg"]),
        ("127.0.0.1:8000/resize?url=http://origin/1.jpg&width=300", nil, ["/resize"]),
        ("127.0.0.1:8000/resize?url=http://origin/1.jpg&width=300", "url", ["/resize", "/1.jpg"]),
        ("127.0.0.1:8000/resize?url=http%3A%2F%2Forigin%2F%2531.jpg&width=300", "url", ["/resize", "/1.jpg"]),
        ("127.0.0.1:8000/resize?width=300&url=/a/../2.jpg&url=/3.jpg", "url", ["/resize", "/2.jpg", "/3.jpg"]),
        ("127.0.0.1:8000/resize?src=/2.jpg", "url", ["/resize"]),
        ("127.0.0.1:8000/resize?url=not-a-url", "url", ["/resize"]),
        ("no-path-at-all", nil, []),
    ] as [(String, String?, [String])])
    func sourcesOfKey(key: String, parameter: String?, expected: [String]) {
        let sources = SourceIndex.sources(of: CacheKey(rawValue: key), sourceParameter: parameter).map(\.rawValue)
        #expect(sources == expected)
    }

    @Test("The index finds the keys of a source while they have entries, and forgets them after")
    func indexFollowsEntries() throws {
        var index = SourceIndex(sourceParameter: "url")
        let keys = ["h/1.jpg", "h/1.jpg?w=100", "h/%31.jpg", "h/resize?url=http://o/1.jpg", "h/2.jpg"].map(CacheKey.init(rawValue:))
        for key in keys { index.insert(key) }
        let one = try #require(SourcePath(url: "/1.jpg"))
        #expect(index.keys(from: one) == Set(keys.prefix(4)))
        index.remove(keys[1])
        #expect(index.keys(from: one) == Set([keys[0], keys[2], keys[3]]))
        for key in keys { index.remove(key) }
        #expect(index.keys(from: one).isEmpty)
        #expect(index.keys(from: try #require(SourcePath(url: "/resize"))).isEmpty)
    }
}
