import HTTPCore
import Testing
@testable import Step1Origin

@Suite("GET and HEAD serve a file with its validators", .timeLimit(.minutes(1)))
struct FileServerTests {
    @Test("A GET is a 200 whose body is the whole file, sent from the open file")
    func getServesTheFile() throws {
        let fixture = try OriginFixture()
        let response = fixture.respond(.get, "/1.jpg")
        #expect(response.status == .ok)
        #expect(response.body.fileSlice! == (offset: 0, count: 1000))
        #expect(response.body.sentBytes == OriginFixture.image)
    }

    @Test("A 200 carries Content-Type, Last-Modified, a strong nginx-style ETag and Accept-Ranges")
    func headersOfA200() throws {
        let fixture = try OriginFixture()
        let fields = fixture.respond(.get, "/1.jpg").headerFields
        #expect(fields["Content-Type"] == "image/jpeg")
        #expect(fields["Last-Modified"] == OriginFixture.lastModified)
        #expect(fields["ETag"] == OriginFixture.imageTag)
        #expect(fields["Accept-Ranges"] == "bytes")
        #expect(fields.count == 4)
    }

    @Test("The ETag changes when the size changes")
    func entityTagFollowsTheSize() throws {
        let fixture = try OriginFixture()
        #expect(fixture.respond(.get, "/empty.txt").headerFields["ETag"] == "\"6553f100-0\"")
        #expect(fixture.respond(.get, "/photos/2.png").headerFields["ETag"] == "\"6553f100-4\"")
    }

    @Test("An empty file is a 200 with an empty file body")
    func emptyFile() throws {
        let fixture = try OriginFixture()
        let response = fixture.respond(.get, "/empty.txt")
        #expect(response.status == .ok)
        #expect(response.body.count == 0)
        #expect(response.headerFields["Content-Type"] == "text/plain; charset=utf-8")
    }

    @Test("A HEAD gets exactly the response a GET gets; the server leaves out the body", arguments: [
        "/1.jpg", "/photos/2.png", "/missing.jpg", "/%2e%2e/x",
    ])
    func headIsLikeGet(target: String) throws {
        let fixture = try OriginFixture()
        let get = fixture.respond(.get, target), head = fixture.respond(.head, target)
        #expect(head.status == get.status)
        #expect(head.headerFields == get.headerFields)
        #expect(head.body.count == get.body.count)
        #expect(head.body.sentBytes == get.body.sentBytes)
    }

    @Test("Methods other than GET and HEAD are 405 with Allow: GET, HEAD", arguments: [
        HTTPMethod.post, .put, .delete, .purge, .options, .patch, HTTPMethod(rawValue: "get"),
    ])
    func otherMethodsAreNotAllowed(method: HTTPMethod) throws {
        let fixture = try OriginFixture()
        let response = fixture.respond(method, "/1.jpg")
        #expect(response.status == .methodNotAllowed)
        #expect(response.headerFields["Allow"] == "GET, HEAD")
        #expect(response.body.sentBytes == Array("only GET and HEAD are allowed\n".utf8))
    }

    @Test("Content-Type follows the name that was requested, even through a symlink")
    func contentTypeOfSymlink() throws {
        let fixture = try OriginFixture()
        let response = fixture.respond(.get, "/link-in.jpg")
        #expect(response.status == .ok)
        #expect(response.headerFields["Content-Type"] == "image/jpeg")
        #expect(response.headerFields["ETag"] == OriginFixture.imageTag)
    }
}
