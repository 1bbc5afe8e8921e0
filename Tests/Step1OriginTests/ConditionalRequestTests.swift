import HTTPCore
import Testing
@testable import Step1Origin

@Suite("Conditional GET and HEAD answer 304 when the client's copy is current", .timeLimit(.minutes(1)))
struct ConditionalRequestTests {
    static let tag = OriginFixture.imageTag
    static let lastModified = OriginFixture.lastModified

    /// Header fields of a request for `/1.jpg`, and the status they should get.
    static let cases: [(fields: HTTPFields, status: Int)] = [
        (["If-None-Match": tag], 304),
        (["If-None-Match": "\"other\""], 200),
        (["If-None-Match": "\"a\", \(tag), \"b\""], 304),
        (["If-None-Match": "\"a\",\(tag)"], 304),
        (HTTPFields([.init(name: "If-None-Match", value: "\"a\""), .init(name: "if-none-match", value: tag)]), 304),
        (["If-None-Match": "*"], 304),
        (["If-None-Match": "W/\(tag)"], 304),
        (["If-None-Match": "\"6553f100-3e9\""], 200),
        (["If-None-Match": "6553f100-3e8"], 200),
        // RFC 9110 §13.2.2: If-None-Match present means If-Modified-Since is not evaluated.
        (["If-None-Match": "\"other\"", "If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"], 200),
        (["If-None-Match": tag, "If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"], 304),
        (["If-Modified-Since": lastModified], 304),
        (["If-Modified-Since": "Tue, 14 Nov 2023 22:13:21 GMT"], 304),
        (["If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"], 304),
        (["If-Modified-Since": "Tue, 14 Nov 2023 22:13:19 GMT"], 200),
        (["If-Modified-Since": "Tuesday, 14-Nov-23 22:13:20 GMT"], 304),
        (["If-Modified-Since": "Tue Nov 14 22:13:20 2023"], 304),
        (["If-Modified-Since": "yesterday"], 200),
        (["If-Modified-Since": "Tue, 14 Nov 2023 22:13:20 UTC"], 200),
        (HTTPFields([.init(name: "If-Modified-Since", value: lastModified),
                     .init(name: "If-Modified-Since", value: lastModified)]), 200),
        ([:], 200),
    ]

    @Test("Each combination of If-None-Match and If-Modified-Since gets its status", arguments: cases)
    func conditionalGet(fields: HTTPFields, status: Int) throws {
        let fixture = try OriginFixture()
        for method in [HTTPMethod.get, .head] {
            let response = fixture.respond(method, "/1.jpg", fields)
            #expect(response.status.code == status, "\(method)")
            if status == 304 {
                #expect(response.headerFields == ["ETag": Self.tag, "Last-Modified": Self.lastModified])
                #expect(response.body.count == 0)
            } else {
                #expect(response.body.sentBytes == OriginFixture.image)
            }
        }
    }

    @Test("A 304 takes precedence over a Range")
    func notModifiedBeatsRange() throws {
        let fixture = try OriginFixture()
        let response = fixture.respond(.get, "/1.jpg", ["If-None-Match": Self.tag, "Range": "bytes=0-9"])
        #expect(response.status == .notModified)
    }

    @Test("Conditions are not evaluated for a file that is not there")
    func missingFileIgnoresConditions() throws {
        let fixture = try OriginFixture()
        #expect(fixture.respond(.get, "/missing.jpg", ["If-None-Match": "*"]).status == .notFound)
    }
}
