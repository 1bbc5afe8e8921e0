import HTTPCore
@testable import Step1Origin

// Chapter 1, exercise 3 (docs/solutions/01-origin.md): a directory's index.html, and the redirect
// that adds its slash.

// ANCHOR: directory-index
/// `FileServer` with directory indexes: `/dir/` serves `/dir/index.html`, and `/dir`, when that
/// index exists, is redirected to `/dir/` with its query kept.
///
/// Whether a directory has an index is asked of `FileServer` itself, through the same resolver
/// and checks as any file, so the redirect reveals nothing a GET of the index would not: a
/// directory outside the root, behind a symlink, gets `FileServer`'s answer as before.
struct DirectoryIndexServer: HTTPHandler {
    let files: FileServer

    func respond(to request: HTTPRequest) -> HTTPResponse {
        let path = request.head.path
        let query = request.head.query.map { "?" + $0 } ?? ""
        if path.hasSuffix("/") {
            return files.respond(to: request.withTarget(path + "index.html" + query))
        }
        let response = files.respond(to: request)
        guard response.status == .notFound,
              files.respond(to: request.withTarget(path + "/index.html", method: .head)).status == .ok
        else { return response }
        // RFC 9110 §15.4.2: a 301 names the new URI in Location; relative links in the index
        // resolve against it (RFC 3986 §5.2), which is why the slash matters.
        return .text(.movedPermanently, "moved to \(path)/", headerFields: ["Location": path + "/" + query])
    }
}

extension HTTPRequest {
    /// The same request for another target (and, if given, with another method).
    func withTarget(_ target: String, method: HTTPMethod? = nil) -> HTTPRequest {
        var request = self
        request.head.target = target
        request.head.method = method ?? head.method
        return request
    }
}
// ANCHOR_END: directory-index
