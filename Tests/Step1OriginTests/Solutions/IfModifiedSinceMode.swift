import HTTPCore
@testable import Step1Origin

// Chapter 1, exercise 5 (docs/solutions/01-origin.md): nginx's `if_modified_since exact`.

// ANCHOR: mode
/// How `If-Modified-Since` is compared with `Last-Modified`: nginx's `if_modified_since`.
enum IfModifiedSinceMode: String, CaseIterable {
    /// The date must be exactly `Last-Modified` (nginx's default).
    case exact
    /// `Last-Modified` at or before the date, as RFC 9110 §13.1.3 puts it (this server's rule).
    case before
}

extension ConditionalRequest {
    /// `isNotModified`, with `If-Modified-Since` compared as `mode` says.
    static func isNotModified(_ fields: HTTPFields, validators: Validators, mode: IfModifiedSinceMode) -> Bool {
        // If-None-Match, when present, decides alone (RFC 9110 §13.2.2): the mode changes nothing.
        guard mode == .exact, !fields.contains("If-None-Match") else {
            return isNotModified(fields, validators: validators)
        }
        let dates = fields.values(for: "If-Modified-Since")
        guard let lastModified = validators.lastModified, dates.count == 1, let date = HTTPDate.parse(dates[0])
        else { return false }
        return lastModified == date
    }
}
// ANCHOR_END: mode
