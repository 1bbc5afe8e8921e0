import Foundation
import HTTPCore
import Testing
import TestSupport
@testable import Step5Invalidation

@Suite("A HIT answers as an origin would: 304 for a current copy, 206 for a range, 416 for none", .timeLimit(.minutes(1)))
struct HitResponseTests {
    private static let entityTag = "\"6553f100-1559\""
    private static let lastModified = "Tue, 14 Nov 2023 22:13:20 GMT"

    /// A fixture with `/1.jpg` stored, and its origin.
    private static func storedImage() throws -> (ProxyFixture, CountingOrigin) {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        _ = try fixture.cacheStatuses(of: "/1.jpg", count: 2)
        return (fixture, origin)
    }

    @Test("If-None-Match with the stored ETag, or If-Modified-Since at or after Last-Modified: 304 with the validators", arguments: [
        ["If-None-Match": entityTag],
        ["If-None-Match": "\"other\", W/\(entityTag)"],
        ["If-None-Match": "*"],
        ["If-Modified-Since": lastModified],
        ["If-Modified-Since": "Wed, 15 Nov 2023 00:00:00 GMT"],
    ] as [HTTPFields])
    func notModified(fields: HTTPFields) throws {
        let (fixture, origin) = try Self.storedImage()
        let response = try fixture.request(.get, "/1.jpg", headerFields: fields)
        #expect(response.status == 304)
        #expect(response.body.isEmpty)
        #expect(response.headerFields["ETag"] == Self.entityTag)
        #expect(response.headerFields["Last-Modified"] == Self.lastModified)
        #expect(response.headerFields["X-Proxy-Cache"] == "HIT")
        #expect(response.headerFields["Content-Type"] == nil)
        #expect(origin.count(of: "/1.jpg") == 2)
    }

    @Test("A validator that does not match gets the whole image, 200", arguments: [
        ["If-None-Match": "\"other\""],
        // RFC 9110 §13.2.2: If-None-Match wins, so the matching date is not looked at.
        ["If-None-Match": "\"other\"", "If-Modified-Since": lastModified],
        ["If-Modified-Since": "Mon, 13 Nov 2023 00:00:00 GMT"],
        ["If-Modified-Since": "not a date"],
    ] as [HTTPFields])
    func modified(fields: HTTPFields) throws {
        let (fixture, _) = try Self.storedImage()
        let response = try fixture.request(.get, "/1.jpg", headerFields: fields)
        #expect(response.status == 200)
        #expect(response.body.isTheImage)
        #expect(response.headerFields["Accept-Ranges"] == "bytes")
    }

    @Test("One byte range is a 206 of those bytes, from the file", arguments: [
        ("bytes=0-9", 0..<10),
        ("bytes=-10", 5_455..<5_465),
        ("bytes=5000-", 5_000..<5_465),
        ("bytes=100-100", 100..<101),
    ])
    func range(range: String, expected: Range<Int>) throws {
        let (fixture, _) = try Self.storedImage()
        let response = try fixture.request(.get, "/1.jpg", headerFields: ["Range": range])
        #expect(response.status == 206)
        #expect(response.body == Array(ProxyFixture.image[expected]))
        #expect(response.headerFields["Content-Range"] == "bytes \(expected.lowerBound)-\(expected.upperBound - 1)/5465")
        #expect(response.headerFields["Content-Length"] == String(expected.count))
        #expect(response.headerFields["X-Proxy-Cache"] == "HIT")
    }

    @Test("An unsatisfiable range is a 416 naming the length; an If-Range that does not match gets the whole image")
    func unsatisfiableAndIfRange() throws {
        let (fixture, _) = try Self.storedImage()
        let unsatisfiable = try fixture.request(.get, "/1.jpg", headerFields: ["Range": "bytes=6000-"])
        #expect(unsatisfiable.status == 416)
        #expect(unsatisfiable.headerFields["Content-Range"] == "bytes */5465")
        let stale = try fixture.request(.get, "/1.jpg", headerFields: ["Range": "bytes=0-9", "If-Range": "\"older\""])
        #expect(stale.status == 200)
        #expect(stale.body.isTheImage)
        let current = try fixture.request(.get, "/1.jpg", headerFields: ["Range": "bytes=0-9", "If-Range": Self.entityTag])
        #expect(current.status == 206)
    }

    @Test("A stored response without Accept-Ranges: bytes is sent whole to a Range request, as nginx sends it")
    func rangeNeedsAcceptRanges() throws {
        let origin = try CountingOrigin { _ in
            HTTPResponse(status: .ok, headerFields: ["Content-Type": "image/jpeg"], body: .bytes(ProxyFixture.image))
        }
        let fixture = try ProxyFixture(upstream: origin.upstream)
        _ = try fixture.cacheStatuses(of: "/1.jpg", count: 2)
        let response = try fixture.request(.get, "/1.jpg", headerFields: ["Range": "bytes=0-9"])
        #expect(response.status == 200)
        #expect(response.headerFields["X-Proxy-Cache"] == "HIT")
        #expect(response.body.isTheImage)
        #expect(response.headerFields["Accept-Ranges"] == nil)
    }

    @Test("A HEAD HIT carries the stored length and no body; Range is ignored for HEAD")
    func head() throws {
        let (fixture, _) = try Self.storedImage()
        let response = try fixture.request(.head, "/1.jpg", headerFields: ["Range": "bytes=0-9"])
        #expect(response.status == 200)
        #expect(response.headerFields["Content-Length"] == "5465")
        #expect(response.headerFields["X-Proxy-Cache"] == "HIT")
        #expect(response.body.isEmpty)
    }

    @Test("A HIT sends the origin's end-to-end fields, its own Date and Server, and no hop-by-hop field")
    func fields() throws {
        let origin = try CountingOrigin { _ in
            ProxyFixture.imageResponse(extraFields: ["Keep-Alive": "timeout=5", "X-Origin": "yes", "Cache-Control": "public"])
        }
        let fixture = try ProxyFixture(upstream: origin.upstream)
        _ = try fixture.cacheStatuses(of: "/1.jpg", count: 2)
        let hit = try fixture.request(.get, "/1.jpg")
        #expect(hit.headerFields["X-Origin"] == "yes")
        #expect(hit.headerFields["Cache-Control"] == "public")
        #expect(hit.headerFields["Keep-Alive"] == nil)
        #expect(hit.headerFields["Server"] == "Step5Invalidation")
        #expect(hit.headerFields.values(for: "Date").count == 1)
        #expect(hit.headerFields.values(for: "Content-Length") == ["5465"])
    }
}
