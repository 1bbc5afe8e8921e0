import HTTPCore
import Testing
import TestSupport
@testable import Step2NaiveCache

@Suite("GET and HEAD go through the naive cache", .timeLimit(.minutes(1)))
struct NaiveCacheTests {
    @Test("A second GET is served from the cache and does not reach the origin")
    func secondGetIsAHit() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let miss = try fixture.request(.get, "/1.jpg")
        #expect(miss.status == 200)
        #expect(miss.headerFields["X-Proxy-Cache"] == "MISS")
        let hit = try fixture.request(.get, "/1.jpg")
        #expect(hit.status == 200)
        #expect(hit.headerFields["X-Proxy-Cache"] == "HIT")
        #expect(origin.count(of: "/1.jpg") == 1)
    }

    @Test("A HIT has exactly the origin's bytes and the same end-to-end header fields as the MISS")
    func hitIsTheSameResponse() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let miss = try fixture.request(.get, "/1.jpg")
        let hit = try fixture.request(.get, "/1.jpg")
        for response in [miss, hit] {
            #expect(response.body == ProxyFixture.image)
            #expect(response.headerFields["Content-Length"] == "\(ProxyFixture.image.count)")
            #expect(response.headerFields["Server"] == "Step2NaiveCache")
            for field in ProxyFixture.imageFields {
                #expect(response.headerFields[field.name] == field.value)
            }
        }
        #expect(hit.headerFields.withoutDateAndCacheStatus == miss.headerFields.withoutDateAndCacheStatus)
        #expect(hit.head.status == miss.head.status)
    }

    @Test("A HEAD miss asks the origin with GET and stores the body; a HEAD hit has Content-Length and no body")
    func headUsesTheSameEntry() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let client = try RawClient(port: fixture.port)
        let miss = try client.request(.head, "/1.jpg")
        #expect(miss.headerFields["X-Proxy-Cache"] == "MISS")
        #expect(origin.requests.map(\.method) == [.get])
        let hit = try client.request(.head, "/1.jpg")
        #expect(hit.headerFields["X-Proxy-Cache"] == "HIT")
        for response in [miss, hit] {
            #expect(response.status == 200)
            #expect(response.headerFields["Content-Length"] == "\(ProxyFixture.image.count)")
            #expect(response.body.isEmpty)
        }
        // On the same connection: had a HEAD answer carried a body, this response would not parse.
        let get = try client.request(.get, "/1.jpg")
        #expect(get.headerFields["X-Proxy-Cache"] == "HIT")
        #expect(get.body == ProxyFixture.image)
        #expect(origin.count(of: "/1.jpg") == 1)
    }

    @Test("A HEAD after a GET is a HIT: both methods share one entry")
    func getAndHeadShareTheKey() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        #expect(try fixture.request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "MISS")
        #expect(try fixture.request(.head, "/1.jpg").headerFields["X-Proxy-Cache"] == "HIT")
        #expect(origin.count(of: "/1.jpg") == 1)
    }

    @Test("Query variants and unnormalised targets are separate keys, and reach the origin raw")
    func targetsAreKeyedRaw() throws {
        let origin = try CountingOrigin { request in .text(.ok, "you asked for \(request.target)") }
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let targets = ["/1.jpg", "/1.jpg?w=100", "/1.jpg?", "//1.jpg", "/%31.jpg"]
        for target in targets {
            let miss = try fixture.request(.get, target)
            #expect(miss.headerFields["X-Proxy-Cache"] == "MISS")
            #expect(miss.bodyText == "you asked for \(target)\n")
        }
        for target in targets {
            let hit = try fixture.request(.get, target)
            #expect(hit.headerFields["X-Proxy-Cache"] == "HIT")
            #expect(hit.bodyText == "you asked for \(target)\n")
        }
        #expect(origin.requests.map(\.target) == targets)
        #expect(fixture.proxy.cache.count == targets.count)
        // nginx's $proxy_host$request_uri, e.g. 127.0.0.1:PORT//1.jpg.
        let key = CacheKey(proxyHost: "127.0.0.1:\(origin.port)", target: "//1.jpg")
        #expect(key.rawValue == "127.0.0.1:\(origin.port)//1.jpg")
        #expect(fixture.proxy.cache.cachedResponse(for: key) != nil)
    }

    @Test("An absolute-form target is keyed and forwarded in origin-form, as nginx's $request_uri")
    func absoluteFormTarget() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        #expect(try fixture.request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "MISS")
        let absolute = try fixture.request(.get, "http://example.test/1.jpg")
        #expect(absolute.headerFields["X-Proxy-Cache"] == "HIT")
        #expect(absolute.body == ProxyFixture.image)
        #expect(try fixture.request(.get, "HTTP://Example.Test:8080/1.jpg").headerFields["X-Proxy-Cache"] == "HIT")
        #expect(try fixture.request(.get, "http://example.test/2.jpg").status == 404)
        #expect(origin.requests.map(\.target) == ["/1.jpg", "/2.jpg"])
    }

    @Test("The key's host part is nginx's $proxy_host: host:port, or only the host for port 80", arguments: [
        ("http://127.0.0.1:8000", "127.0.0.1:8000/1.jpg"),
        ("http://origin.test", "origin.test/1.jpg"),
        ("http://origin.test:80", "origin.test/1.jpg"),
        ("http://[::1]:8000", "[::1]:8000/1.jpg"),
    ])
    func keyUsesProxyHost(url: String, key: String) throws {
        let upstream = try #require(UpstreamAddress(url: url))
        #expect(CacheKey(proxyHost: upstream.proxyHost, target: "/1.jpg").rawValue == key)
    }

    @Test("A 404 or 503 is passed through every time, never stored, and has no X-Proxy-Cache", arguments: [404, 503])
    func errorsPassThrough(code: Int) throws {
        let status = HTTPStatus(code: code)
        let origin = try CountingOrigin(routes: ["/gone.jpg": .text(status, "origin says \(code)")])
        let fixture = try ProxyFixture(upstream: origin.upstream)
        for _ in 1...3 {
            let response = try fixture.request(.get, "/gone.jpg")
            #expect(response.status == code)
            #expect(response.bodyText == "origin says \(code)\n")
            // nginx's add_header without `always` skips these statuses.
            #expect(response.headerFields["X-Proxy-Cache"] == nil)
        }
        #expect(origin.count(of: "/gone.jpg") == 3)
        #expect(fixture.proxy.cache.count == 0)
    }

    @Test("A 301 is passed through and not stored, yet marked MISS, as nginx's add_header marks it")
    func redirectIsMarkedMiss() throws {
        let origin = try CountingOrigin(routes: [
            "/old.jpg": HTTPResponse(status: .movedPermanently, headerFields: ["Location": "/1.jpg"]),
        ])
        let fixture = try ProxyFixture(upstream: origin.upstream)
        for _ in 1...2 {
            let response = try fixture.request(.get, "/old.jpg")
            #expect(response.status == 301)
            #expect(response.headerFields["Location"] == "/1.jpg")
            #expect(response.headerFields["X-Proxy-Cache"] == "MISS")
        }
        #expect(origin.count(of: "/old.jpg") == 2)
    }

    @Test("Other methods are forwarded with their bodies, never stored, and have no X-Proxy-Cache", arguments: [
        HTTPMethod.post, .put, .delete, .purge,
    ])
    func otherMethodsPassThrough(method: HTTPMethod) throws {
        let origin = try CountingOrigin { request in
            request.method == .get
                ? HTTPResponse(status: .ok, headerFields: ProxyFixture.imageFields, body: .bytes(ProxyFixture.image))
                : .text(.ok, "\(request.method) got \(request.body.count) bytes")
        }
        let fixture = try ProxyFixture(upstream: origin.upstream)
        #expect(try fixture.request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "MISS")
        let body = Array("a new picture".utf8)
        for _ in 1...2 {
            let response = try fixture.request(method, "/1.jpg", body: body)
            #expect(response.status == 200)
            #expect(response.bodyText == "\(method) got \(body.count) bytes\n")
            #expect(response.headerFields["X-Proxy-Cache"] == nil)
        }
        let forwarded = origin.requests.filter { $0.method == method }
        #expect(forwarded.count == 2)
        #expect(forwarded.allSatisfy { $0.body == body && $0.headerFields["Content-Length"] == "\(body.count)" })
        // The naive cache neither stores these answers nor forgets the GET's entry because of them.
        let get = try fixture.request(.get, "/1.jpg")
        #expect(get.headerFields["X-Proxy-Cache"] == "HIT")
        #expect(get.body == ProxyFixture.image)
        #expect(fixture.proxy.cache.count == 1)
    }

    @Test("The first POST to a key does not fill the cache: a GET after it is a MISS")
    func postDoesNotStore() throws {
        let origin = try ProxyFixture.makeImageOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        _ = try fixture.request(.post, "/1.jpg", body: Array("x".utf8))
        #expect(try fixture.request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "MISS")
        #expect(origin.count(of: "/1.jpg") == 2)
    }
}
