import HTTPCore
import TestSupport
@testable import Step2NaiveCache

/// A `CachingProxy` on a free port in front of a stub origin, for one test.
///
/// The proxy runs in-process, so a test can look into its cache as well as at what the origin
/// received. Both stop when the fixture is released.
struct ProxyFixture {
    /// The bytes of the workshop's sample image `1.jpg`.
    static let image = try! SampleImages.bytes("1.jpg")

    /// The end-to-end fields the stub origin sends with `/1.jpg`, as Step1Origin would.
    static let imageFields: HTTPFields = [
        "Content-Type": "image/jpeg", "Last-Modified": "Tue, 14 Nov 2023 22:13:20 GMT",
        "ETag": "\"6553f100-1559\"", "Accept-Ranges": "bytes",
    ]

    /// An origin serving `/1.jpg` and nothing else (404).
    static func makeImageOrigin(delay: Duration = .zero) throws -> CountingOrigin {
        try CountingOrigin(delay: delay, routes: [
            "/1.jpg": HTTPResponse(status: .ok, headerFields: imageFields, body: .bytes(image)),
        ])
    }

    let proxy: CachingProxy
    let server: TestServer

    /// Starts a proxy for `upstream` that waits `upstreamTimeout` for its answers.
    init(upstream: UpstreamAddress, upstreamTimeout: Duration = .seconds(10)) throws {
        proxy = CachingProxy(upstream: upstream, upstreamTimeout: upstreamTimeout)
        server = try TestServer(handler: proxy, configuration: ServerConfiguration(serverName: "Step2NaiveCache", accessLog: .disabled))
    }

    /// The proxy's port.
    var port: Int { server.port }

    /// Sends one request to the proxy on a new connection and reads the answer.
    func request(_ method: HTTPMethod = .get, _ target: String, headerFields: HTTPFields = [:],
                 body: [UInt8] = []) throws -> RawClient.Response {
        try RawClient(port: port).request(method, target, headerFields: headerFields, body: body)
    }
}

extension HTTPFields {
    /// These fields without the ones that differ between two answers to the same request
    /// (`Date`) or between a MISS and a HIT (`X-Proxy-Cache`).
    var withoutDateAndCacheStatus: HTTPFields {
        var fields = self
        fields.removeAll { $0.name == "Date" || $0.name == "X-Proxy-Cache" }
        return fields
    }
}
