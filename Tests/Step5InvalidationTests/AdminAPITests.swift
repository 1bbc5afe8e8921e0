import Foundation
import HTTPCore
import Testing
import TestSupport
@testable import Step5Invalidation

@Suite("The admin API: its own port, a bearer token, clear errors", .timeLimit(.minutes(1)))
struct AdminAPITests {
    static let invalidation = "/invalidate?projectName=web&latestCommitHash=3f2a9c1&urls=/1.jpg"

    @Test("Without the token: 401 with the RFC 6750 challenge, before anything is read or done", arguments: [
        (nil as String?, #"Bearer realm="invalidation""#, "an Authorization: Bearer token is required"),
        ("Bearer wrong-token", #"Bearer realm="invalidation", error="invalid_token""#, "the bearer token is not valid"),
        ("Basic dGVzdDp0ZXN0", #"Bearer realm="invalidation", error="invalid_token""#, "the bearer token is not valid"),
    ])
    func unauthorized(authorization: String?, challenge: String, message: String) throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.minUses = 1 }
        _ = try fixture.request(.get, "/1.jpg")
        for (method, target) in [(HTTPMethod.delete, Self.invalidation), (.get, "/lastInvalidation?projectName=web"),
                                 (.get, "/invalidations?projectName=web")] {
            let response = try fixture.adminRequest(method, target, authorization: authorization)
            #expect(response.status == 401)
            #expect(response.headerFields["WWW-Authenticate"] == challenge)
            #expect(response.bodyText == "{\"error\":\"\(message)\"}\n")
        }
        #expect(fixture.proxy.cache.count == 1)
        #expect(try String(contentsOfFile: fixture.history.path, encoding: .utf8).isEmpty)
    }

    @Test("With no token configured, every invalidation route is 503 and says why; statistics still answer")
    func noToken() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream, adminToken: nil)
        for (method, target) in [(HTTPMethod.delete, Self.invalidation), (.get, "/lastInvalidation?projectName=web")] {
            let response = try fixture.adminRequest(method, target, authorization: "Bearer anything")
            #expect(response.status == 503)
            #expect(response.bodyText.contains("the invalidation API is off: no token is configured"))
        }
        #expect(try fixture.adminRequest(.get, "/stats", authorization: nil).status == 200)
        #expect(try fixture.adminRequest(.get, "/metrics", authorization: nil).status == 200)
    }

    @Test("Wrong methods are 405 with Allow; unknown paths 404", arguments: [
        (HTTPMethod.get, invalidation, 405, "DELETE"),
        (.post, invalidation, 405, "DELETE"),
        (.delete, "/lastInvalidation?projectName=web", 405, "GET, HEAD"),
        (.post, "/stats", 405, "GET, HEAD"),
        (.put, "/metrics", 405, "GET, HEAD"),
        (.get, "/", 404, nil),
        (.delete, "/invalidate/extra", 404, nil),
    ] as [(HTTPMethod, String, Int, String?)])
    func methodsAndPaths(method: HTTPMethod, target: String, status: Int, allow: String?) throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let response = try fixture.adminRequest(method, target)
        #expect(response.status == status)
        #expect(response.headerFields["Allow"] == allow)
        #expect(response.headerFields["Content-Type"] == "application/json")
        #expect(response.bodyText.hasPrefix(#"{"error":""#))
    }

    @Test("Bad parameters are 400 naming the parameter; a body of another type 415; one over 1 MiB 413")
    func badInput() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let missing = try fixture.adminRequest(.delete, "/invalidate?projectName=web&urls=/1.jpg")
        #expect(missing.status == 400)
        #expect(missing.bodyText == #"{"error":"missing parameter latestCommitHash"}"# + "\n")
        let badURL = try fixture.adminRequest(.delete, "/invalidate?projectName=web&latestCommitHash=3f2a9c1&urls=ftp://x/1.jpg")
        #expect(badURL.status == 400)
        #expect(badURL.bodyText.contains("invalid parameter urls"))
        let notJSON = try fixture.adminRequest(.delete, "/invalidate", headerFields: ["Content-Type": "application/json"],
                                               body: Array("projectName=web".utf8))
        #expect(notJSON.status == 400)
        let form = try fixture.adminRequest(.delete, "/invalidate", headerFields: ["Content-Type": "application/x-www-form-urlencoded"],
                                            body: Array("projectName=web".utf8))
        #expect(form.status == 415)
        let huge = try fixture.adminRequest(.delete, "/invalidate", headerFields: ["Content-Type": "application/json"],
                                            body: Array(repeating: UInt8(ascii: " "), count: (1 << 20) + 1))
        #expect(huge.status == 413)
        #expect(try String(contentsOfFile: fixture.history.path, encoding: .utf8).isEmpty)
    }

    @Test("The image port knows nothing of the admin API: its /invalidate goes to the origin")
    func separatePorts() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let response = try fixture.request(.delete, Self.invalidation,
                                           headerFields: ["Authorization": "Bearer \(ProxyFixture.token)"])
        #expect(response.status == 404)
        #expect(origin.requests.map(\.target) == [Self.invalidation])
    }
}
