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
