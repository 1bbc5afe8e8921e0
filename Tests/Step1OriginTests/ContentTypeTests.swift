import Testing
@testable import Step1Origin

@Suite("Content types are chosen by extension", .timeLimit(.minutes(1)))
struct ContentTypeTests {
    @Test("Each extension maps to its media type, whatever its case", arguments: [
        ("1.jpg", "image/jpeg"), ("1.JPG", "image/jpeg"), ("a.jpeg", "image/jpeg"), ("a.Jpeg", "image/jpeg"),
        ("a.png", "image/png"), ("a.gif", "image/gif"), ("a.webp", "image/webp"), ("a.avif", "image/avif"),
        ("a.svg", "image/svg+xml"), ("index.html", "text/html; charset=utf-8"),
        ("a.css", "text/css; charset=utf-8"), ("a.js", "text/javascript; charset=utf-8"),
        ("a.json", "application/json"), ("a.txt", "text/plain; charset=utf-8"),
        ("/photos/cat.PNG", "image/png"), ("archive.tar.gz", "application/octet-stream"),
        ("a.jpg.exe", "application/octet-stream"), ("README", "application/octet-stream"),
        (".jpg", "application/octet-stream"), ("/dir.png/file", "application/octet-stream"),
        ("trailing.", "application/octet-stream"), ("", "application/octet-stream"),
    ])
    func byExtension(name: String, expected: String) {
        #expect(ContentType.forFile(named: name) == expected)
    }
}
