import HTTPCore
@testable import Step1Origin

// Chapter 1, exercise 1 (docs/solutions/01-origin.md): If-Match and 412.

// ANCHOR: fails-if-match
extension ConditionalRequest {
    /// Whether an `If-Match` precondition fails, so that the answer is 412 (RFC 9110 §13.1.1).
    static func failsIfMatch(_ fields: HTTPFields, validators: Validators) -> Bool {
        guard fields.contains("If-Match") else { return false }
        let elements = fields.listElements(for: "If-Match")
        // RFC 9110 §13.1.1: "*" is true when a current representation exists, and this one does.
        if elements == ["*"] { return false }
        guard let current = validators.entityTag else { return true }
        // RFC 9110 §13.1.1: If-Match uses the strong comparison, so a weak tag never matches.
        return !elements.contains { EntityTag(parsing: $0)?.matchesStrongly(current) == true }
    }
}
// ANCHOR_END: fails-if-match

// ANCHOR: if-match-server
/// `FileServer` with `If-Match`, evaluated first (RFC 9110 §13.2.2, step 1) and only where the
/// file exists (§13.2.1), that is where the answer would be a 200, 206, 304 or 416.
struct IfMatchFileServer: HTTPHandler {
    let files: FileServer

    func respond(to request: HTTPRequest) -> HTTPResponse {
        // Every answer about an existing file carries its ETag but a 416; for that one, the
        // same target without the request's conditions and range says it.
        let response = files.respond(to: request)
        var head = request.head
        head.headerFields = [:]
        let tag = response.headerFields["ETag"]
            ?? files.respond(to: HTTPRequest(head: head)).headerFields["ETag"]
        guard let tag, let entityTag = EntityTag(parsing: tag) else { return response }
        let validators = Validators(entityTag: entityTag, lastModified: nil)
        if ConditionalRequest.failsIfMatch(request.headerFields, validators: validators) {
            return .text(HTTPStatus(code: 412), "precondition failed")
        }
        return response
    }
}
// ANCHOR_END: if-match-server
