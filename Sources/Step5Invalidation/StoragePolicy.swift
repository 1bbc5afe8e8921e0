#if canImport(Glibc)
import Glibc
#endif
import HTTPCore

/// Which upstream answers may be stored, for how long they stay fresh, and which of their fields
/// are kept: nginx's rules with `proxy_cache_valid 200 <validity>`, and
/// `proxy_ignore_headers Set-Cookie` when `storesSetCookie`.
///
/// In the order nginx applies them (ngx_http_upstream.c), an answer is:
/// 1. never stored with `Set-Cookie` (unless `storesSetCookie`), or with a `Cache-Control`
///    of `no-store`, `no-cache` or `private`;
/// 2. fresh for N seconds with `Cache-Control: s-maxage=N`, or else `max-age=N`, whatever its
///    status; never stored when N is 0 or not a number;
/// 3. fresh until its `Expires` date otherwise, whatever its status; never stored when that
///    date has passed or is not a date;
/// 4. fresh for `validity` otherwise if it is a `200`; any other status is not stored.
///
/// Deliberately unlike nginx: an answer with `Vary` is never stored, since this cache keeps one
/// response per key and `Vary` says one is not enough (nginx keeps one per variant, and never
/// stores `Vary: *`); `Cache-Control` beats `Expires` wherever it appears (RFC 9111 §5.3; nginx
/// lets an `Expires` that comes first veto it); nginx's own `X-Accel-Expires` is not read.
struct StoragePolicy: Sendable {
    /// How long a `200` without `Cache-Control` or `Expires` freshness stays fresh.
    var validity: Duration
    /// Whether an answer with `Set-Cookie` is stored.
    var storesSetCookie: Bool
    /// Whether a stored answer keeps its `Set-Cookie`, replayed on every HIT to every client.
    /// Without it, the cookie reaches only the client whose request fetched the answer: the
    /// middle ground nginx has no setting for.
    var replaysSetCookie = true

    // ANCHOR: stored-fields
    /// The head an entry's file keeps of an answer's head `rawHead`, as the upstream sent it:
    /// all of it, as nginx stores it, or without its `Set-Cookie` lines.
    func storedHead(of rawHead: [UInt8]) -> [UInt8] {
        guard !replaysSetCookie else { return rawHead }
        // The head was parsed already, so its lines are known to be well formed: each ends in
        // LF (CRLF or a bare LF, RFC 9112 §2.2), and a field line starts with its name and a colon.
        let lines = rawHead.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let kept = lines.filter { line in
            !line.starts(with: "set-cookie:".utf8) { a, b in a | 0x20 == b | 0x20 }
        }
        return Array(kept.joined(separator: [UInt8(ascii: "\n")]))
    }
    // ANCHOR_END: stored-fields

    // ANCHOR: freshness-lifetime
    /// How long the answer with `status` and `headerFields` stays fresh from when it arrived, or
    /// `nil` if it must not be stored; `now` (Unix seconds) is what `Expires` is compared with.
    func freshnessLifetime(of status: HTTPStatus, headerFields: HTTPFields,
                           now: Int64 = Int64(time(nil))) -> Duration? {
        guard storesSetCookie || !headerFields.contains("Set-Cookie"), !headerFields.contains("Vary") else {
            return nil
        }
        var maxAge: Substring?
        var sharedMaxAge: Substring?
        for directive in headerFields.listElements(for: "Cache-Control") {
            let name = directive.prefix { $0 != "=" }
            let argument = directive.dropFirst(name.count + 1)
            switch name.lowercased() {
            // RFC 9111 §5.2.2: each of these, with or without a list of field names, keeps a
            // shared cache from reusing the answer without asking the origin; nginx stores none.
            case "no-store", "no-cache", "private": return nil
            // RFC 9111 §5.2.2.10: s-maxage is meant for shared caches such as this one.
            case "s-maxage": sharedMaxAge = argument
            case "max-age": maxAge = argument
            default: continue
            }
        }
        if let argument = sharedMaxAge ?? maxAge {
            // Digits only, as nginx reads it: a quoted or signed number is not one.
            guard argument.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
                  let seconds = Int(argument), seconds > 0
            else { return nil }
            return .seconds(seconds)
        }
        if let expires = headerFields["Expires"] {
            guard let date = HTTPDate.parse(expires), date > now else { return nil }
            return .seconds(date - now)
        }
        return status == .ok ? validity : nil
    }
    // ANCHOR_END: freshness-lifetime
}
