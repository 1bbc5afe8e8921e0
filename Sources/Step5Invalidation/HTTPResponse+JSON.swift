import Foundation
import HTTPCore

extension HTTPResponse {
    /// A response with `body` as JSON, one line, keys in a fixed order: the PURGE answers and the admin API's.
    static func json(_ status: HTTPStatus, _ body: some Encodable, headerFields: HTTPFields = [:]) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes = (try? encoder.encode(body)).map { Array($0) + [0x0A] } ?? Array("{}\n".utf8)
        var fields = headerFields
        fields["Content-Type"] = "application/json"
        return HTTPResponse(status: status, headerFields: fields, body: .bytes(bytes))
    }

    /// `{"error": message}` with `status`.
    static func jsonError(_ status: HTTPStatus, _ message: String, headerFields: HTTPFields = [:]) -> HTTPResponse {
        json(status, ["error": message], headerFields: headerFields)
    }
}
