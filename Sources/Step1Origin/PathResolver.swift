#if canImport(Glibc)
import Glibc
#endif
import HTTPCore

/// Maps a request target to a regular file under one root directory and opens it, refusing
/// every target that could lead outside the root.
///
/// The rules, in the order they apply:
/// 1. Take the path of the target: origin-form `/1.jpg` as is, absolute-form
///    `http://host/1.jpg` after its authority. The query never names a file.
/// 2. Split the raw path at `/`, *then* percent-decode each segment, so that an encoded slash
///    (`..%2f`) stays inside its segment where rule 3 sees it.
/// 3. Refuse, with 400, a malformed `%`, bytes that are not UTF-8, NUL, `/` (from `%2F`), `\`
///    (raw or `%5C`) and `..` (raw or `%2e%2e`). A `..` is refused rather than resolved: clients
///    remove dot segments before sending (RFC 3986 §5.2.4), so only a probe sends one.
/// 4. Answer 404 for hidden names (a segment starting with `.`).
/// 5. Resolve the joined path with `realpath(3)`, which follows every symlink, and answer 403
///    unless the result is still under the canonical root. Symlinks within the root work.
/// 6. Open the resolved path; directories and other non-regular files are 404.
///
/// Empty and `.` segments are left to the file system: `//1.jpg` and `/./1.jpg` name `1.jpg`,
/// while `/1.jpg/` names a directory that is not there.
struct PathResolver: Sendable {
    /// Why a directory cannot be served as the root.
    enum RootError: Error, Equatable, CustomStringConvertible {
        /// `realpath(3)` failed, usually because the path does not exist.
        case unresolvable(path: String, errno: Int32)
        /// The path exists but is not a directory.
        case notADirectory(path: String)

        /// A one-line explanation for the operator.
        var description: String {
            switch self {
            case .unresolvable(let path, let code): "cannot serve \(path): \(String(cString: strerror(code)))"
            case .notADirectory(let path): "cannot serve \(path): not a directory"
            }
        }
    }

    /// The canonical absolute path of the root: no symlinks, no `.` or `..`, no trailing slash.
    let root: String

    /// Serves files under `root`, resolved once to its canonical path; throws unless it is a directory.
    init(root: String) throws(RootError) {
        guard let resolved = realpath(root, nil) else { throw .unresolvable(path: root, errno: errno) }
        defer { free(resolved) }
        var info = stat()
        guard stat(resolved, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw .notADirectory(path: root)
        }
        self.root = String(cString: resolved)
    }

    // MARK: - From target to path (pure)

    // ANCHOR: decoded-path
    /// The decoded, checked path of a target's path (`HTTPRequestHead.path`), e.g. `/photos/1.jpg`
    /// (rules 1 to 4).
    ///
    /// The result starts with `/` and contains no `..` segment, NUL, backslash or hidden name.
    static func decodedPath(ofTarget target: some StringProtocol) throws(FileLookupError) -> String {
        let rawPath = try pathOfTarget(Substring(target))
        var segments: [String] = []
        // The path starts with "/", so the first piece is the empty string before it.
        let rawSegments = rawPath.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        for rawSegment in rawSegments.dropFirst() {
            guard let bytes = PercentEncoding.decode(rawSegment) else { throw .malformedPercentEncoding }
            // Why: C file APIs end a name at NUL, so "1.jpg%00.txt" would open "1.jpg".
            guard !bytes.contains(0) else { throw .nulByte }
            // Why: a decoded "/" would create segments this loop never checked ("..%2f").
            guard !bytes.contains(UInt8(ascii: "/")) else { throw .encodedSlash }
            // Why: "\" separates paths on Windows and in WHATWG URLs; refusing it keeps the
            // meaning of a target the same for every component that might look at it.
            guard !bytes.contains(UInt8(ascii: "\\")) else { throw .backslash }
            // RFC 3986 §2.5: percent-encoded octets in a URI are UTF-8.
            guard let segment = String(validating: bytes, as: UTF8.self) else { throw .malformedPercentEncoding }
            // RFC 3986 §3.3: ".." is a dot-segment; resolving it is the classic way out of the root.
            guard segment != ".." else { throw .dotDotSegment }
            segments.append(segment)
        }
        // Checked after every segment is valid, so that a malformed target is always a 400.
        guard !segments.contains(where: { $0.hasPrefix(".") && $0 != "." }) else { throw .hiddenFile }
        return "/" + segments.joined(separator: "/")
    }
    // ANCHOR_END: decoded-path

    /// The path of an origin-form or `http`/`https` absolute-form target, still percent-encoded.
    private static func pathOfTarget(_ target: Substring) throws(FileLookupError) -> Substring {
        // RFC 9112 §3.2.2: a server must accept absolute-form too; HTTPCore turns it into origin-form.
        guard let originForm = HTTPRequestHead.originForm(of: target) else { throw .malformedTarget }
        return originForm[...]
    }

    // MARK: - From path to file (the file system)

    /// Opens the file at `path`, a result of `decodedPath(ofTarget:)`, if it resolves to a regular
    /// file under the root (rules 5 and 6).
    func openFile(atDecodedPath path: String) throws(FileLookupError) -> OpenFile {
        guard let resolved = realpath(root + path, nil) else {
            switch errno {
            case ENOENT, ENOTDIR, ENAMETOOLONG: throw .notFound
            case EACCES, ELOOP: throw .forbidden
            case let code: throw .system(code)
            }
        }
        defer { free(resolved) }
        // ANCHOR: inside-root
        let canonical = String(cString: resolved)
        // Why: a symlink inside the root may point anywhere; only what lies under the root is served.
        let rootPrefix = root == "/" ? "/" : root + "/"
        guard canonical == root || canonical.hasPrefix(rootPrefix) else { throw .outsideRoot }
        // ANCHOR_END: inside-root
        // Why open the resolved path, not the requested one: it has no symlinks left, so the file
        // opened is the file checked. A symlink swapped in between the two calls could still
        // redirect it, but that needs write access to the root, which this server trusts
        // (openat2(2) with RESOLVE_BENEATH closes even that gap, at the cost of portability).
        do throws(OpenFile.OpenError) {
            return try OpenFile(path: canonical)
        } catch {
            throw FileLookupError(error)
        }
    }
}
