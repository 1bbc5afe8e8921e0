import HTTPCore

extension RawClient {
    /// Sends one well-formed HTTP/1.1 request and reads its response.
    ///
    /// The request carries `Host: test`, then `headerFields` in order, then `Content-Length` when
    /// there is a body; for anything unusual, write the bytes with `send(_:)` instead.
    public func request(_ method: HTTPMethod = .get, _ target: String, headerFields: HTTPFields = [:],
                        body: [UInt8] = []) throws -> Response {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: test\r\n"
        for field in headerFields {
            head += "\(field.name): \(field.value)\r\n"
        }
        if !body.isEmpty { head += "Content-Length: \(body.count)\r\n" }
        try send(Array((head + "\r\n").utf8) + body)
        return try readResponse(to: method)
    }
}
