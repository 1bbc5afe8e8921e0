import HTTPCore
import Testing
@testable import Step5Invalidation

@Suite("DELETE /invalidate's parameters, in the query or a JSON body", .timeLimit(.minutes(1)))
struct InvalidationRequestTests {
    static func request(_ target: String, body: String = "", contentType: String? = "application/json") -> HTTPRequest {
        var fields: HTTPFields = ["Host": "test"]
        if !body.isEmpty, let contentType { fields["Content-Type"] = contentType }
        return HTTPRequest(head: HTTPRequestHead(method: .delete, target: target, version: .http1_1, headerFields: fields),
                           body: Array(body.utf8))
    }

    @Test("Imcaxy's query and the same names in JSON give the same call")
    func queryAndJSON() throws {
        let query = try InvalidationRequest(Self.request(
            "/invalidate?projectName=web&latestCommitHash=3f2a9c1&urls=http://cdn.example/1.jpg&urls=%2F2.jpg"))
        let json = try InvalidationRequest(Self.request("/invalidate", body: """
            {"projectName": "web", "latestCommitHash": "3f2a9c1", "urls": ["http://cdn.example/1.jpg", "/2.jpg"]}
            """, contentType: "Application/JSON; charset=utf-8"))
        #expect(query == json)
        #expect(query.urls == ["http://cdn.example/1.jpg", "/2.jpg"])
        #expect(query.sources.map(\.rawValue) == ["/1.jpg", "/2.jpg"])
    }

    @Test("Each problem is named", arguments: [
        ("/invalidate?latestCommitHash=3f2a9c1&urls=/1.jpg", "", InvalidationRequest.Problem.missing(parameter: "projectName")),
        ("/invalidate?projectName=web&urls=/1.jpg", "", .missing(parameter: "latestCommitHash")),
        ("/invalidate?projectName=web&latestCommitHash=3f2a9c1", "", .missing(parameter: "urls")),
        ("/invalidate?projectName=&latestCommitHash=3f2a9c1&urls=/1.jpg", "",
         .invalid(parameter: "projectName", reason: "1 to 200 bytes of text, no control characters")),
        ("/invalidate?projectName=web&latestCommitHash=3f2a9c&urls=/1.jpg", "",
         .invalid(parameter: "latestCommitHash", reason: "\"3f2a9c\" is not 7 to 64 hex digits")),
        ("/invalidate?projectName=web&latestCommitHash=3f2a9cz&urls=/1.jpg", "",
         .invalid(parameter: "latestCommitHash", reason: "\"3f2a9cz\" is not 7 to 64 hex digits")),
        ("/invalidate?projectName=web&latestCommitHash=\(String(repeating: "a", count: 65))&urls=/1.jpg", "",
         .invalid(parameter: "latestCommitHash", reason: "\"\(String(repeating: "a", count: 65))\" is not 7 to 64 hex digits")),
        ("/invalidate?projectName=web&latestCommitHash=3f2a9c1&urls=1.jpg", "",
         .invalid(parameter: "urls", reason: "\"1.jpg\" is not an http(s) URL or a path starting with /")),
        ("/invalidate?projectName=web&latestCommitHash=3f2a9c1&urls=%zz", "",
         .invalid(parameter: "urls", reason: "not valid percent-encoded UTF-8")),
        ("/invalidate", "{not json", .notJSON(reason: "not a JSON object with projectName, latestCommitHash and urls")),
        ("/invalidate", "[1, 2]", .invalid(parameter: "body", reason: "not of the right type")),
        ("/invalidate", #"{"projectName": 7, "latestCommitHash": "3f2a9c1", "urls": ["/1.jpg"]}"#,
         .invalid(parameter: "projectName", reason: "not of the right type")),
        ("/invalidate", #"{"projectName": "web", "latestCommitHash": "3f2a9c1", "urls": "/1.jpg"}"#,
         .invalid(parameter: "urls", reason: "not of the right type")),
        ("/invalidate?projectName=web", #"{"projectName": "web"}"#, .bothQueryAndBody),
    ])
    func problems(target: String, body: String, expected: InvalidationRequest.Problem) {
        #expect(throws: expected) { try InvalidationRequest(Self.request(target, body: body)) }
    }

    @Test("An empty list in a JSON body records a commit and invalidates nothing; a body without urls has none")
    func emptyList() throws {
        let call = try InvalidationRequest(Self.request("/invalidate",
                                                        body: #"{"projectName": "web", "latestCommitHash": "3f2a9c1", "urls": []}"#))
        #expect(call.urls.isEmpty)
        #expect(throws: InvalidationRequest.Problem.missing(parameter: "urls")) {
            try InvalidationRequest(Self.request("/invalidate", body: #"{"projectName": "web", "latestCommitHash": "3f2a9c1"}"#))
        }
    }

    @Test("A body that is not JSON by its type is a 415 naming the type")
    func mediaType() {
        #expect(throws: InvalidationRequest.Problem.unsupportedMediaType("text/plain")) {
            try InvalidationRequest(Self.request("/invalidate", body: "projectName=web", contentType: "text/plain"))
        }
        #expect(throws: InvalidationRequest.Problem.unsupportedMediaType("none")) {
            try InvalidationRequest(Self.request("/invalidate", body: "{}", contentType: nil))
        }
        #expect(InvalidationRequest.Problem.unsupportedMediaType("x").status.code == 415)
    }
}
