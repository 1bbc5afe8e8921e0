import HTTPCore
import Testing
@testable import Step1Origin

@Suite("A GET with one byte range gets 206, 416 or the whole file", .timeLimit(.minutes(1)))
struct RangeRequestTests {
    /// A Range value for the 1000-byte `/1.jpg`, the status it gets and, for 206, the bytes sent.
    static let cases: [(range: String, status: Int, offsets: ClosedRange<Int64>?)] = [
        ("bytes=0-99", 206, 0...99),
        ("bytes=100-", 206, 100...999),
        ("bytes=-100", 206, 900...999),
        ("bytes=0-0", 206, 0...0),
        ("bytes=999-999", 206, 999...999),
        ("bytes=990-2000", 206, 990...999),
        ("bytes=-5000", 206, 0...999),
        ("Bytes=10-19", 206, 10...19),
        ("bytes=10-19,", 206, 10...19),
        ("bytes=-0", 416, nil),
        ("bytes=1000-", 416, nil),
        ("bytes=1000-2000", 416, nil),
        ("bytes=99999999999999999999-", 416, nil),
        ("bytes=5-2", 200, nil),
        ("bytes=0-1,5-6", 200, nil),
        ("bytes=0-1, 2000-3000", 200, nil),
        ("items=0-1", 200, nil),
        ("bytes=abc", 200, nil),
        ("0-99", 200, nil),
    ]

    @Test("Each Range value gets its status, Content-Range and bytes", arguments: cases)
    func range(value: String, status: Int, offsets: ClosedRange<Int64>?) throws {
        let fixture = try OriginFixture()
        let response = fixture.respond(.get, "/1.jpg", ["Range": value])
        #expect(response.status.code == status)
        switch status {
        case 206:
            let offsets = try #require(offsets)
            let count = offsets.upperBound - offsets.lowerBound + 1
            #expect(response.headerFields["Content-Range"] == "bytes \(offsets.lowerBound)-\(offsets.upperBound)/1000")
            #expect(response.body.fileSlice! == (offset: offsets.lowerBound, count: count))
            let expected = OriginFixture.image[Int(offsets.lowerBound)...Int(offsets.upperBound)]
            #expect(response.body.sentBytes == Array(expected))
            #expect(response.headerFields["ETag"] == OriginFixture.imageTag)
            #expect(response.headerFields["Content-Type"] == "image/jpeg")
        case 416:
            #expect(response.headerFields["Content-Range"] == "bytes */1000")
        default:
            #expect(response.headerFields["Content-Range"] == nil)
            #expect(response.body.sentBytes == OriginFixture.image)
        }
    }

    @Test("The last N bytes of a file are its last N, not its first N")
    func suffixIsTheEnd() throws {
        let fixture = try OriginFixture()
        let response = fixture.respond(.get, "/1.jpg", ["Range": "bytes=-100"])
        #expect(response.body.fileSlice! == (offset: 900, count: 100))
    }

    @Test("No range of an empty file is satisfiable", arguments: ["bytes=0-", "bytes=0-0", "bytes=-5"])
    func emptyFile(value: String) throws {
        let fixture = try OriginFixture()
        let response = fixture.respond(.get, "/empty.txt", ["Range": value])
        #expect(response.status == .rangeNotSatisfiable)
        #expect(response.headerFields["Content-Range"] == "bytes */0")
    }

    @Test("A HEAD ignores Range, as RFC 9110 §14.2 requires for methods other than GET")
    func headIgnoresRange() throws {
        let fixture = try OriginFixture()
        let response = fixture.respond(.head, "/1.jpg", ["Range": "bytes=0-99"])
        #expect(response.status == .ok)
        #expect(response.headerFields["Content-Range"] == nil)
        #expect(response.body.count == 1000)
    }

    @Test("If-Range lets the range through only when it names the current file exactly", arguments: [
        (OriginFixture.imageTag, 206),
        ("\"6553f100-3e9\"", 200),
        ("W/\(OriginFixture.imageTag)", 200),
        (OriginFixture.lastModified, 206),
        ("Tue, 14 Nov 2023 22:13:19 GMT", 200),
        ("Tue, 14 Nov 2023 22:13:21 GMT", 200),
        ("not a validator", 200),
    ])
    func ifRange(validator: String, status: Int) throws {
        let fixture = try OriginFixture()
        let response = fixture.respond(.get, "/1.jpg", ["Range": "bytes=0-99", "If-Range": validator])
        #expect(response.status.code == status)
        #expect(response.body.count == (status == 206 ? 100 : 1000))
    }
}
