import Foundation
import Testing
import TestSupport
@testable import Step5Invalidation

@Suite("What git says changed: name-status output, history, a real repository", .timeLimit(.minutes(1)))
struct GitRepositoryTests {
    static func change(_ status: Character, _ path: String) -> GitRepository.Change {
        GitRepository.Change(status: status, path: Array(path.utf8))
    }

    @Test("`git diff --name-status -z` output is read exactly, renames and copies with both names", arguments: [
        ("", [GitRepository.Change]()),
        ("M\u{0}images/1.jpg\u{0}", [change("M", "images/1.jpg")]),
        ("A\u{0}a b.jpg\u{0}D\u{0}\"q\".png\u{0}", [change("A", "a b.jpg"), change("D", "\"q\".png")]),
        ("R100\u{0}old.jpg\u{0}new.jpg\u{0}M\u{0}x.gif\u{0}", [change("R", "old.jpg"), change("R", "new.jpg"), change("M", "x.gif")]),
        ("C75\u{0}a.jpg\u{0}b.jpg\u{0}", [change("C", "a.jpg"), change("C", "b.jpg")]),
        ("T\u{0}link.jpg\u{0}", [change("T", "link.jpg")]),
        ("M\u{0}line\nbreak.jpg\u{0}", [change("M", "line\nbreak.jpg")]),
        // Cut short: a rename without its second name is not half read.
        ("M\u{0}a.jpg\u{0}R100\u{0}old.jpg\u{0}", [change("M", "a.jpg")]),
    ])
    func parsesNameStatus(output: String, expected: [GitRepository.Change]) {
        #expect(GitRepository.parseNameStatus(Array(output.utf8)) == expected)
    }

    @Test("HEAD, ancestry and changes in a real repository: add, modify, delete, rename, a symlink, odd names",
          .enabled(if: GitFixture.isInstalled, "git is not installed: apt-get install git"))
    func realRepository() throws {
        let git = try GitFixture()
        try git.write("images/1.jpg", [1])
        try git.write("images/old.jpg", Array(repeating: 7, count: 100))
        try git.write("images/gone.png", [3])
        let first = try git.commit("first")
        try git.write("images/1.jpg", [1, 1])
        try git.git("mv", "images/old.jpg", "images/new.jpg")
        try git.git("rm", "-q", "images/gone.png")
        try git.write("images/a b \"c\" é.jpg", [4])
        try FileManager.default.createSymbolicLink(atPath: git.path + "/images/link.jpg", withDestinationPath: "1.jpg")
        let second = try git.commit("second")
        let repository = GitRepository(directory: git.path)
        #expect(try repository.head() == second)
        #expect(repository.isInHistory(first, of: second))
        #expect(!repository.isInHistory(second, of: first))
        #expect(!repository.isInHistory("0000000000000000000000000000000000000000", of: second))
        #expect(!repository.isInHistory("--all", of: second))
        let changes = try repository.changes(from: first, to: second)
        #expect(Set(changes.map { "\($0.status) \(String(decoding: $0.path, as: UTF8.self))" }) == [
            "M images/1.jpg", "R images/old.jpg", "R images/new.jpg", "D images/gone.png",
            "A images/a b \"c\" é.jpg", "A images/link.jpg",
        ])
        #expect(Set(try repository.files(at: second).map { String(decoding: $0.path, as: UTF8.self) }) == [
            "images/1.jpg", "images/new.jpg", "images/a b \"c\" é.jpg", "images/link.jpg",
        ])
    }

    @Test("A directory that is not a repository is a git error with git's own message",
          .enabled(if: GitFixture.isInstalled, "git is not installed: apt-get install git"))
    func notARepository() throws {
        let directory = try TemporaryDirectory()
        do {
            _ = try GitRepository(directory: directory.path).head()
            Issue.record("HEAD of a directory that is no repository")
        } catch {
            guard case .failed(let command, let status, let message) = error else { Issue.record("\(error)"); return }
            #expect(command == "rev-parse")
            #expect(status == 128)
            #expect(message.contains("not a git repository"))
        }
    }
}

@Suite("Which files are served images, and at which URL path", .timeLimit(.minutes(1)))
struct ImagePathMappingTests {
    @Test("Below --under, matching --match, percent-encoded (RFC 3986 §3.3)", arguments: [
        ("images", "/", "images/1.jpg", "/1.jpg" as String?),
        ("images", "/", "images/sub/2.PNG", "/sub/2.PNG"),
        ("images", "/", "images/a b.jpg", "/a%20b.jpg"),
        ("images", "/", "images/\"q\"#?.jpg", "/%22q%22%23%3F.jpg"),
        ("images", "/", "images/café.webp", "/caf%C3%A9.webp"),
        ("images", "/static", "images/1.jpg", "/static/1.jpg"),
        ("images/", "static/", "images/1.jpg", "/static/1.jpg"),
        ("", "/", "1.jpg", "/1.jpg"),
        ("", "/", "docs/readme.md", nil),
        ("images", "/", "other/1.jpg", nil),
        ("images", "/", "imagesX/1.jpg", nil),
        ("images", "/", "images", nil),
        ("images", "/", "images/notes.txt", nil),
    ])
    func maps(under: String, prefix: String, path: String, expected: String?) {
        let mapping = ImagePathMapping(under: under, urlPrefix: prefix)
        #expect(mapping.urlPath(of: Array(path.utf8)) == expected)
    }

    @Test("A name that is not UTF-8 keeps its bytes in the URL; --match patterns replace the default")
    func bytesAndPatterns() {
        let mapping = ImagePathMapping(under: "images")
        #expect(mapping.urlPath(of: Array("images/".utf8) + [0xFF, 0x2E, 0x6A, 0x70, 0x67]) == "/%FF.jpg")
        let onlyThumbnails = ImagePathMapping(under: "images", patterns: ["^thumbs/", #"\.svg$"#])
        #expect(onlyThumbnails.urlPath(of: Array("images/thumbs/a.txt".utf8)) == "/thumbs/a.txt")
        #expect(onlyThumbnails.urlPath(of: Array("images/logo.svg".utf8)) == "/logo.svg")
        #expect(onlyThumbnails.urlPath(of: Array("images/1.jpg".utf8)) == nil)
    }
}
