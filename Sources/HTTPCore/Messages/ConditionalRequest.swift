/// Conditional requests and ranges (RFC 9110 §13 and §14), evaluated against any representation
/// given its validators and length: a file on disk, or a response a cache stored.
///
/// The order is RFC 9110 §13.2.2's: `If-None-Match`, then `If-Modified-Since` (a `304`), then
/// `Range` under `If-Range` (a `206` or `416`). `If-Match` and `If-Unmodified-Since` (the
/// `412` preconditions of writes) are not evaluated: GET and HEAD of images never need them.
public enum ConditionalRequest {
    // ANCHOR: is-not-modified
    /// Whether the client's copy is current, so that 304 answers (RFC 9110 §13.2.2, steps 3 and 4).
    public static func isNotModified(_ fields: HTTPFields, validators: Validators) -> Bool {
        // RFC 9110 §13.2.2: If-None-Match is evaluated before If-Modified-Since, and when it is
        // present If-Modified-Since is ignored.
        if fields.contains("If-None-Match") {
            // Splitting on commas breaks a tag that contains one (etagc allows it), so such a tag
            // never matches: the answer is then a 200, never a wrong 304.
            let elements = fields.listElements(for: "If-None-Match")
            // RFC 9110 §13.1.2: "*" matches any current representation, and this one exists.
            if elements == ["*"] { return true }
            guard let entityTag = validators.entityTag else { return false }
            // RFC 9110 §13.1.2: If-None-Match uses the weak comparison.
            return elements.contains { EntityTag(parsing: $0)?.matchesWeakly(entityTag) == true }
        }
        // RFC 9110 §13.1.3: If-Modified-Since is ignored unless it is exactly one valid HTTP-date,
        // and without a Last-Modified there is nothing to compare it with.
        let dates = fields.values(for: "If-Modified-Since")
        guard let lastModified = validators.lastModified, dates.count == 1, let date = HTTPDate.parse(dates[0])
        else { return false }
        // RFC 9110 §13.1.3: not modified when the last modification is at or before that date.
        return lastModified <= date
    }
    // ANCHOR_END: is-not-modified

    /// The bytes of a representation of `length` bytes that a request with `method` and
    /// `fields` asks for: the whole of it unless it is a GET with one valid byte range and any
    /// `If-Range` still matches.
    public static func selectedRange(method: HTTPMethod, fields: HTTPFields, validators: Validators,
                                     length: Int64) -> RangeSelection {
        // RFC 9110 §14.2: range handling is defined only for GET; other methods, HEAD included,
        // ignore Range. (nginx answers HEAD with a 206 head; this follows the RFC.)
        guard method == .get, let range = fields["Range"] else { return .whole }
        // RFC 9110 §13.1.5: when If-Range does not match, ignore Range and send everything.
        if let ifRange = fields["If-Range"], !ifRangeMatches(ifRange, validators: validators) {
            return .whole
        }
        // RFC 9110 §14.2: an invalid range set or an unknown unit is ignored.
        guard let ranges = ByteRange.parseRangeSet(range) else { return .whole }
        // RFC 9110 §14.2: a server MAY ignore Range; several ranges would need a
        // multipart/byteranges body (RFC 9110 §14.6), so they get the whole representation.
        guard ranges.count == 1 else { return .whole }
        guard let offsets = ranges[0].offsets(inSize: length) else { return .unsatisfiable }
        return .part(offsets)
    }

    /// The `Content-Range` value of a `206` carrying `offsets` of `length` bytes, or of a `416`
    /// (`bytes */length`) when `offsets` is `nil` (RFC 9110 §14.4, §15.5.17).
    public static func contentRange(_ offsets: ClosedRange<Int64>?, of length: Int64) -> String {
        guard let offsets else { return "bytes */\(length)" }
        return "bytes \(offsets.lowerBound)-\(offsets.upperBound)/\(length)"
    }

    /// Whether an If-Range value names the current representation: its ETag by strong
    /// comparison, or exactly its Last-Modified date (RFC 9110 §13.1.5).
    private static func ifRangeMatches(_ value: String, validators: Validators) -> Bool {
        if let tag = EntityTag(parsing: value) {
            // RFC 9110 §13.1.5: If-Range compares entity tags strongly, so a weak tag never matches.
            return validators.entityTag.map(tag.matchesStrongly) ?? false
        }
        // RFC 9110 §13.1.5: a date matches only if it equals Last-Modified exactly.
        return validators.lastModified != nil && HTTPDate.parse(value) == validators.lastModified
    }
}
