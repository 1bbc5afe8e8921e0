import Testing
import HTTPCore

@Suite("Entity tags are parsed and compared as RFC 9110 §8.8.3 says", .timeLimit(.minutes(1)))
struct EntityTagTests {
    @Test("A file's tag is its mtime and size in lowercase hex, quoted")
    func fileTag() {
        #expect(EntityTag(modificationTime: 1_700_000_000, size: 1000).description == "\"6553f100-3e8\"")
        #expect(EntityTag(modificationTime: 0, size: 0).description == "\"0-0\"")
    }

    @Test("Tags parse only when exactly one well-formed entity-tag is given", arguments: [
        ("\"abc\"", EntityTag(opaqueTag: "abc")),
        ("W/\"abc\"", EntityTag(opaqueTag: "abc", isWeak: true)),
        ("\"\"", EntityTag(opaqueTag: "")),
        ("\"a!#~\"", EntityTag(opaqueTag: "a!#~")),
        ("abc", nil), ("\"abc", nil), ("w/\"abc\"", nil), ("\"a b\"", nil), ("\"a\"b\"", nil), ("\"", nil),
        ("*", nil), ("W/abc", nil),
    ] as [(String, EntityTag?)])
    func parsing(text: String, expected: EntityTag?) {
        #expect(EntityTag(parsing: text) == expected)
    }

    @Test("Weak comparison ignores W/; strong comparison needs two strong equal tags", arguments: [
        ("\"1\"", "\"1\"", true, true),
        ("W/\"1\"", "\"1\"", true, false),
        ("\"1\"", "W/\"1\"", true, false),
        ("W/\"1\"", "W/\"1\"", true, false),
        ("\"1\"", "\"2\"", false, false),
    ])
    func comparison(lhs: String, rhs: String, weakly: Bool, strongly: Bool) throws {
        let a = try #require(EntityTag(parsing: lhs)), b = try #require(EntityTag(parsing: rhs))
        #expect(a.matchesWeakly(b) == weakly)
        #expect(a.matchesStrongly(b) == strongly)
    }
}
