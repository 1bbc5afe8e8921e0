import HTTPCore
import Testing
@testable import Step1Origin

/// The claims of chapter 1's worked solutions (docs/solutions/01-origin.md).
@Suite("Chapter 1's solutions do what their text claims", .timeLimit(.minutes(1)))
struct Chapter1SolutionTests {
    static let tag = OriginFixture.imageTag

    @Test("If-Match: 412 unless a tag matches strongly or is *; checked before If-None-Match and Range; a missing file is a 404", arguments: [
        (["If-Match": tag], "/1.jpg", 200),
        (["If-Match": "\"a\", \(tag)"], "/1.jpg", 200),
        (["If-Match": "*"], "/1.jpg", 200),
        (["If-Match": "\"other\""], "/1.jpg", 412),
        (["If-Match": "W/\(tag)"], "/1.jpg", 412),
        (["If-Match": "\"other\"", "If-None-Match": tag], "/1.jpg", 412),
        (["If-Match": tag, "If-None-Match": tag], "/1.jpg", 304),
        (["If-Match": "\"other\"", "Range": "bytes=0-9"], "/1.jpg", 412),
        (["If-Match": tag, "Range": "bytes=0-9"], "/1.jpg", 206),
        (["If-Match": "\"other\"", "Range": "bytes=5000-"], "/1.jpg", 412),
        (["If-Match": "\"other\""], "/nope.jpg", 404),
        ([:], "/1.jpg", 200),
    ] as [(HTTPFields, String, Int)])
    func ifMatch(fields: HTTPFields, target: String, status: Int) throws {
        let fixture = try OriginFixture()
        let server = IfMatchFileServer(files: fixture.server)
        let head = HTTPRequestHead(method: .get, target: target, version: .http1_1, headerFields: fields)
        #expect(server.respond(to: HTTPRequest(head: head)).status.code == status)
    }

    @Test("if_modified_since exact: 304 only for the exact date; before: at or before it; If-None-Match decides alone", arguments: [
        ("Tue, 14 Nov 2023 22:13:20 GMT", nil, IfModifiedSinceMode.exact, true),
        ("Fri, 01 Jan 2100 00:00:00 GMT", nil, .exact, false),
        ("Fri, 01 Jan 2100 00:00:00 GMT", nil, .before, true),
        ("Tue, 14 Nov 2023 22:13:19 GMT", nil, .exact, false),
        ("Tue, 14 Nov 2023 22:13:19 GMT", nil, .before, false),
        ("Fri, 01 Jan 2100 00:00:00 GMT", tag, .exact, true),
        ("Tue, 14 Nov 2023 22:13:20 GMT", "\"other\"", .exact, false),
    ] as [(String, String?, IfModifiedSinceMode, Bool)])
    func ifModifiedSince(date: String, entityTag: String?, mode: IfModifiedSinceMode, notModified: Bool) {
        var fields: HTTPFields = ["If-Modified-Since": date]
        if let entityTag { fields["If-None-Match"] = entityTag }
        let validators = Validators(entityTag: EntityTag(parsing: Self.tag), lastModified: OriginFixture.modificationTime)
        #expect(ConditionalRequest.isNotModified(fields, validators: validators, mode: mode) == notModified)
    }
}

extension Chapter1SolutionTests {
    @Test("Two ranges make a multipart/byteranges body of those bytes, whose length is known before it is built")
    func multipart() throws {
        let bytes = OriginFixture.image
        let multipart = try #require(MultipartByteRanges(range: "bytes=0-1,-3", length: 1000, contentType: "image/jpeg", boundary: "B"))
        let expected = Array("\r\n--B\r\nContent-Type: image/jpeg\r\nContent-Range: bytes 0-1/1000\r\n\r\n".utf8) + bytes[0...1]
            + Array("\r\n--B\r\nContent-Type: image/jpeg\r\nContent-Range: bytes 997-999/1000\r\n\r\n".utf8) + bytes[997...999]
            + Array("\r\n--B--\r\n".utf8)
        #expect(multipart.body(of: bytes) == expected)
        #expect(multipart.contentLength == Int64(expected.count))
        #expect(multipart.fieldValue == "multipart/byteranges; boundary=B")
    }

    @Test("The whole file is the better answer: one range, none satisfiable, overlaps, or more than the limit", arguments: [
        "bytes=0-9", "bytes=5000-,6000-", "bytes=0-9,5-20", "bytes=0-,0-", "bytes=0-0,2-2,4-4", "items=0-1,5-6", "bytes=0-1,2000-",
    ])
    func multipartRefused(range: String) {
        #expect(MultipartByteRanges(range: range, length: 1000, contentType: "image/jpeg", limit: 2) == nil)
    }
}

extension Chapter1SolutionTests {
    @Test("A directory with an index: /dir/ serves it, /dir is a 301 to /dir/ keeping the query; without one, 404; outside the root, no redirect", arguments: [
        ("/photos/", 200, nil),
        ("/photos/?x=1", 200, nil),
        ("/photos", 301, "/photos/"),
        ("/photos?x=1", 301, "/photos/?x=1"),
        ("/empty-dir", 404, nil),
        ("/empty-dir/", 404, nil),
        ("/link-dir-out", 403, nil),                // a symlink out of the root: FileServer's own answer, no redirect
        ("/link-dir-out/", 403, nil),
        ("/1.jpg", 200, nil),
        ("/nope", 404, nil),
    ] as [(String, Int, String?)])
    func directoryIndex(target: String, status: Int, location: String?) throws {
        let fixture = try OriginFixture()
        _ = try fixture.directory.write("root/photos/index.html", Array("<p>photos</p>\n".utf8))
        _ = try fixture.directory.write("root/empty-dir/.keep", [])
        _ = try fixture.directory.write("outside/index.html", Array("secret index\n".utf8))
        let server = DirectoryIndexServer(files: fixture.server)
        let head = HTTPRequestHead(method: .get, target: target, version: .http1_1, headerFields: [:])
        let response = server.respond(to: HTTPRequest(head: head))
        #expect(response.status.code == status)
        #expect(response.headerFields["Location"] == location)
        if status == 200, target.hasPrefix("/photos") {
            #expect(response.body.sentBytes == Array("<p>photos</p>\n".utf8))
        }
    }
}
