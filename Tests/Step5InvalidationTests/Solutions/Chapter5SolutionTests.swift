import Testing
@testable import Step5Invalidation

/// The claims of chapter 5's worked solutions (docs/solutions/05-invalidation.md).
@Suite("Chapter 5's solutions do what their text claims")
struct Chapter5SolutionTests {
    @Test("A prefix finds exactly the sources a scan of all of them finds, in order, through inserts and removals")
    func sortedSources() {
        var generator = SystemRandomNumberGenerator()
        let years = ["2025", "2026", "2026x", "20261"]
        var all = Set<String>()
        var sorted = SortedSources()
        for _ in 0..<5_000 {
            let source = "/images/\(years.randomElement(using: &generator)!)/\(Int.random(in: 0..<3_000, using: &generator)).jpg"
            all.insert(source)
            sorted.insert(source)
        }
        for source in all.shuffled().prefix(1_000) {
            all.remove(source)
            sorted.remove(source)
        }
        #expect(sorted.sources.count == all.count)
        for prefix in ["/images/2026/", "/images/2026", "/images/", "/images/2027/", "/", "/images/2025/1"] {
            let expected = all.filter { $0.hasPrefix(prefix) }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            #expect(Array(sorted.withPrefix(prefix)) == expected, "\(prefix)")
        }
        // "/images/2026/" does not take "/images/2026x/…" or "/images/20261/…".
        #expect(sorted.withPrefix("/images/2026/").allSatisfy { $0.hasPrefix("/images/2026/") })
    }
}

extension Chapter5SolutionTests {
    @Test("A host in the source: case and the default port do not count, another host or port does, a path alone names no host", arguments: [
        ("HTTP://CDN.Example:80/1.jpg", "http://cdn.example/1.jpg", true),
        ("https://cdn.example:443/a/../1.jpg", "https://cdn.example/1.jpg", true),
        ("http://cdn.example:/%31.jpg?w=100", "http://cdn.example/1.jpg", true),
        ("http://cdn.example/1.jpg", "http://img.example/1.jpg", false),
        ("http://cdn.example:8080/1.jpg", "http://cdn.example/1.jpg", false),
    ])
    func hostedSource(first: String, second: String, same: Bool) throws {
        let a = try #require(HostedSource(url: first)), b = try #require(HostedSource(url: second))
        #expect((a == b) == same)
    }

    @Test("What names no host is refused", arguments: ["/1.jpg", "http://user@cdn.example/1.jpg", "http:///1.jpg", "ftp://cdn.example/1.jpg"])
    func hostedSourceRefused(url: String) {
        #expect(HostedSource(url: url) == nil)
    }

    @Test("A key's side: the proxy host as nginx's $proxy_host writes it meets the URL's")
    func hostedSourceOfKey() throws {
        let path = try #require(SourcePath(url: "/1.jpg"))
        #expect(HostedSource(host: "CDN.example", path: path) == HostedSource(url: "http://cdn.example:80/1.jpg"))
        #expect(HostedSource(host: "127.0.0.1:8000", path: path) == HostedSource(url: "http://127.0.0.1:8000/1.jpg"))
    }
}
