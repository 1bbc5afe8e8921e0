import HTTPCore

/// The origin both proxies of a conformance test stand in front of (nginx and a step): one fresh `CountingOrigin` per proxy, with these
/// routes, so that each side's origin counts only that side's requests.
public enum ConformanceOrigin {
    /// The routes, by raw request target; anything else is CountingOrigin's `404 Not Found`.
    public static let routes: [String: HTTPResponse] = {
        let image1 = try! SampleImages.bytes("1.jpg")
        let image2 = try! SampleImages.bytes("2.jpg")
        /// A 200 with `body` as image/jpeg, plus `fields`.
        func image(_ body: [UInt8], _ fields: HTTPFields = [:]) -> HTTPResponse {
            var headerFields: HTTPFields = ["Content-Type": "image/jpeg"]
            for field in fields { headerFields.append(name: field.name, value: field.value) }
            return HTTPResponse(status: .ok, headerFields: headerFields, body: .bytes(body))
        }
        var routes: [String: HTTPResponse] = [
            "/2.jpg": image(image2),
            "/cookie.jpg": image(image1, ["Set-Cookie": "seen=1; Path=/"]),
            "/no-store.jpg": image(image1, ["Cache-Control": "no-store"]),
            "/no-cache.jpg": image(image1, ["Cache-Control": "no-cache"]),
            "/private.jpg": image(image1, ["Cache-Control": "private, max-age=600"]),
            "/max-age-0.jpg": image(image1, ["Cache-Control": "max-age=0"]),
            "/max-age-1.jpg": image(image1, ["Cache-Control": "max-age=1"]),
            "/max-age-600.jpg": image(image1, ["Cache-Control": "public, max-age=600"]),
            "/expires-past.jpg": image(image1, ["Expires": "Thu, 01 Jan 1970 00:00:01 GMT"]),
            "/expires-then-max-age.jpg": image(image1, ["Expires": "Thu, 01 Jan 1970 00:00:01 GMT",
                                                        "Cache-Control": "max-age=600"]),
            "/vary.jpg": image(image1, ["Vary": "Accept-Encoding"]),
            "/vary-star.jpg": image(image1, ["Vary": "*"]),
            "/etag.jpg": image(image1, ["ETag": "\"v1\""]),
            // As Step1Origin sends it: nginx then serves byte ranges of the stored response itself.
            "/ranges.jpg": image(image1, ["Accept-Ranges": "bytes"]),
            "/missing-max-age.jpg": .text(.notFound, "not here, for ten minutes", headerFields: ["Cache-Control": "max-age=600"]),
            "/old.jpg": HTTPResponse(status: .movedPermanently, headerFields: ["Location": "/1.jpg"]),
        ]
        // The same image under five raw targets: five keys for both proxies.
        for target in ["/1.jpg", "/1.jpg?w=100", "/1.jpg?", "//1.jpg", "/%31.jpg"] {
            routes[target] = image(image1)
        }
        return routes
    }()

    /// A new origin with `routes`.
    public static func start() throws -> CountingOrigin {
        try CountingOrigin(routes: routes)
    }
}
