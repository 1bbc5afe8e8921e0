import Foundation
import HTTPCore
import Testing
@testable import Step1Origin

@Suite("Targets are mapped to files under the root and never outside it", .timeLimit(.minutes(1)))
struct PathResolverTests {
    /// Targets that try to leave the root, or name odd things, with the status each gets.
    static let targets: [(target: String, status: Int)] = [
        ("/1.jpg", 200),
        ("/../etc/passwd", 400),
        ("/..%2f..%2fetc/passwd", 400),
        ("/%2e%2e/%2e%2e/etc/passwd", 400),
        ("/%2E%2E/", 400),
        ("/.%2e/x", 400),
        ("/a/../../x", 400),
        ("/photos/../1.jpg", 400),
        ("/./1.jpg", 200),
        ("//1.jpg", 200),
        ("/%2e/1.jpg", 200),
        ("/%31.jpg", 200),
        ("/caf%C3%A9.txt", 200),
        ("/1.jpg/", 404),
        ("/1.jpg%00.txt", 400),
        ("/..\\..\\etc", 400),
        ("/%5c..%5c", 400),
        ("/photos%2F2.png", 400),
        ("/%zz", 400),
        ("/1.jpg%", 400),
        ("/%4", 400),
        ("/%FF.jpg", 400),
        ("/link-out.jpg", 403),
        ("/link-dir-out/secret.txt", 403),
        ("/link-in.jpg", 200),
        ("/photos", 404),
        ("/photos/", 404),
        ("/", 404),
        ("/missing.jpg", 404),
        ("/.hidden", 404),
        ("/%2ehidden", 404),
        ("/1.jpg?file=../../etc/passwd", 200),
        ("http://example.com/1.jpg", 200),
        ("HTTPS://example.com/1.jpg?x=1", 200),
        ("http://example.com/../etc/passwd", 400),
        ("http://example.com", 404),
        ("ftp://example.com/1.jpg", 400),
        ("1.jpg", 400),
        ("*", 400),
    ]

    @Test("Each target gets its status, and no response carries a file from outside the root", arguments: targets)
    func escapeAttempt(target: String, status: Int) throws {
        let fixture = try OriginFixture()
        let response = fixture.respond(.get, target)
        #expect(response.status.code == status)
        let body = response.body.sentBytes
        #expect(body != OriginFixture.secret)
        #expect(!body.starts(with: OriginFixture.secret.prefix(10)))
        if target.contains("1.jpg"), status == 200 {
            #expect(body == OriginFixture.image)
        }
    }

    @Test("Refused targets are answered with a short plain-text reason")
    func refusalsAreText() throws {
        let fixture = try OriginFixture()
        let response = fixture.respond(.get, "/%2e%2e/secret.txt")
        #expect(response.status == .badRequest)
        #expect(response.headerFields["Content-Type"] == "text/plain; charset=utf-8")
        #expect(response.body.sentBytes == Array("\"..\" segment in path\n".utf8))
    }

    @Test("Decoding yields the checked path or the reason it is refused", arguments: [
        ("/a%20b.jpg", .success("/a b.jpg")),
        ("/photos/2.png", .success("/photos/2.png")),
        ("http://host:8080/p/1.jpg", .success("/p/1.jpg")),
        ("http://host", .success("/")),
        ("//1.jpg", .success("//1.jpg")),
        ("/caf%c3%a9", .success("/café")),
        ("/%2e%2E", .failure(.dotDotSegment)),
        ("/..", .failure(.dotDotSegment)),
        ("/a%2fb", .failure(.encodedSlash)),
        ("/a%00", .failure(.nulByte)),
        ("/a\\b", .failure(.backslash)),
        ("/a%5Cb", .failure(.backslash)),
        ("/%g0", .failure(.malformedPercentEncoding)),
        ("/%C3", .failure(.malformedPercentEncoding)),
        ("/.git/config", .failure(.hiddenFile)),
        ("/.git/..", .failure(.dotDotSegment)),
        ("mailto:x", .failure(.malformedTarget)),
    ] as [(String, Result<String, FileLookupError>)])
    func decoding(target: String, expected: Result<String, FileLookupError>) {
        #expect(Result { () throws(FileLookupError) in try PathResolver.decodedPath(ofTarget: target) } == expected)
    }

    @Test("The root is resolved once to its canonical path")
    func rootIsCanonical() throws {
        let fixture = try OriginFixture()
        let server = try FileServer(root: fixture.path("photos/../."))
        #expect(server.root == fixture.server.root)
        #expect(!server.root.hasSuffix("/"))
    }

    @Test("A missing root or a file as root is refused at start-up")
    func badRoots() throws {
        let fixture = try OriginFixture()
        #expect(throws: PathResolver.RootError.unresolvable(path: fixture.path("nope"), errno: ENOENT)) {
            try FileServer(root: fixture.path("nope"))
        }
        #expect(throws: PathResolver.RootError.notADirectory(path: fixture.path("1.jpg"))) {
            try FileServer(root: fixture.path("1.jpg"))
        }
    }

    @Test("A file the server may not read is 403", .enabled(if: geteuid() != 0, "root reads every file"))
    func unreadableFile() throws {
        let fixture = try OriginFixture()
        chmod(fixture.path("1.jpg"), 0)
        #expect(fixture.respond(.get, "/1.jpg").status == .forbidden)
    }
}
