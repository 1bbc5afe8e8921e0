#if canImport(Glibc)
import Glibc
#endif
import HTTPCore

/// Why a request target names no file this server sends; each case maps to the status that answers it.
///
/// The statuses follow one rule: 400 for a target that is malformed or tries to climb out of the
/// root (no honest client sends one), 404 when nothing servable is there, 403 when something is
/// there that this server will not read.
enum FileLookupError: Error, Equatable, Sendable {
    /// Neither origin-form (`/1.jpg`) nor `http`/`https` absolute-form (RFC 9112 §3.2).
    case malformedTarget
    /// A `%` without two hex digits after it, or decoded bytes that are not UTF-8 (RFC 3986 §2.1, §2.5).
    case malformedPercentEncoding
    /// A NUL byte (`%00`): C file APIs end the name there, so `1.jpg%00.txt` would open `1.jpg`.
    case nulByte
    /// A percent-encoded slash (`%2F`): a separator hidden inside a segment, as in `..%2f`.
    case encodedSlash
    /// A backslash, raw or `%5C`: a separator on Windows and to WHATWG URL parsers.
    case backslash
    /// A `..` segment, raw or encoded (`%2e%2e`): refused even when it would stay inside the root.
    case dotDotSegment
    /// A segment starting with `.` (`.git`, `.env`): hidden files are never served.
    case hiddenFile
    /// Nothing is there, or it is a directory (no index, no listing) or another non-regular file.
    case notFound
    /// The file, or a directory on the way to it, may not be read.
    case forbidden
    /// The path leads, through a symlink, to somewhere outside the root.
    case outsideRoot
    /// The process has no descriptor left to open the file with (`EMFILE`, `ENFILE`): the
    /// server is overloaded for a moment, the request itself is fine.
    case outOfDescriptors
    /// Any other system error, with its errno.
    case system(Int32)

    /// The lookup error that a failure to open a file means.
    init(_ error: OpenFile.OpenError) {
        switch error {
        case .notFound, .notRegularFile: self = .notFound
        case .forbidden: self = .forbidden
        case .system(EMFILE), .system(ENFILE): self = .outOfDescriptors
        case .system(let code): self = .system(code)
        }
    }

    /// The status that answers this error.
    var status: HTTPStatus {
        switch self {
        case .malformedTarget, .malformedPercentEncoding, .nulByte, .encodedSlash, .backslash, .dotDotSegment:
            .badRequest
        case .hiddenFile, .notFound:
            .notFound
        case .forbidden, .outsideRoot:
            .forbidden
        case .outOfDescriptors:
            .serviceUnavailable
        case .system:
            .internalServerError
        }
    }

    /// A short reason for the response body, one line; it never says more than the status does
    /// about what exists on disk.
    var reason: String {
        switch self {
        case .malformedTarget: "malformed request target"
        case .malformedPercentEncoding: "invalid percent-encoding in path"
        case .nulByte: "NUL byte in path"
        case .encodedSlash: "encoded slash in path"
        case .backslash: "backslash in path"
        case .dotDotSegment: "\"..\" segment in path"
        case .hiddenFile, .notFound: "not found"
        case .forbidden, .outsideRoot: "forbidden"
        case .outOfDescriptors: "too many open files: try again"
        case .system: "internal server error"
        }
    }
}
