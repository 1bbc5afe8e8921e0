#if canImport(Glibc)
import Glibc
#endif
import HTTPCore

/// One cache file, opened and checked before anything in it is trusted: what a HIT sends from
/// and what a tool inspects.
///
/// Opening checks, in order: a regular file (a symlink or directory is refused), version 5, a key
/// line where `header_start` says, the key's crc32, the key itself when the caller knows which
/// one it looked up, a complete response head between `header_start` and `body_start`, and a
/// body as long as that head's `Content-Length` (where it has one: nginx stores a chunked
/// upstream's body decoded, under a head without a length). A file that fails any check throws;
/// a cache treats it as absent.
public final class CacheFile: Sendable {
    /// The open file; a HIT sends the body from it with `sendfile(2)`.
    public let file: OpenFile
    public let header: CacheFileHeader
    /// The key the file was written for.
    public let key: [UInt8]
    /// The stored response head, parsed: the upstream's status line and fields as received.
    public let storedHead: HTTPResponseHead
    /// The body, when it was read together with the header (a file no larger than the
    /// `readsBodiesUpTo` it was opened with); `nil` otherwise, and the body stays in the file.
    public let bodyBytes: [UInt8]?

    /// Where the body starts in the file.
    public var bodyOffset: Int64 { Int64(header.bodyStart) }
    /// The body's length.
    public var bodyLength: Int64 { file.size - bodyOffset }

    /// The most bytes a header, key line and stored head can take: `body_start` is 16 bits.
    private static let maxPrefixLength = Int(UInt16.max)

    /// Opens the cache file at `path` and checks it; with `expectedKey`, it must be that key's.
    ///
    /// `bodyStart`, when the caller knows it (a cache's index keeps it, as nginx's does), is how
    /// many bytes to read first: the header, key line and stored head in one `pread`, instead
    /// of up to 64 KiB of a file whose body would be read again to be sent. A file of at most
    /// `readsBodiesUpTo` bytes is read whole instead, body included (`bodyBytes`).
    public init(path: String, expectedKey: [UInt8]? = nil, bodyStart: Int? = nil,
                readsBodiesUpTo wholeFileLimit: Int = 0) throws(CacheFileError) {
        let opened: OpenFile
        do {
            opened = try OpenFile(path: path, followsSymlinks: false)
        } catch {
            throw CacheFileError(opening: error, path: path)
        }
        file = opened
        let readsWholeFile = opened.size <= Int64(wholeFileLimit)
        var prefix = try Self.read(opened, count: readsWholeFile ? Int(opened.size) : bodyStart ?? Self.maxPrefixLength, path: path)
        // ANCHOR: checks
        header = try CacheFileHeader(decoding: prefix)
        if Int(header.bodyStart) > prefix.count, Int64(prefix.count) < opened.size {
            // The entry changed since its index entry was made: read as far as its own header says.
            prefix = try Self.read(opened, count: Int(header.bodyStart), path: path)
        }
        let headerStart = Int(header.headerStart), bodyStart = Int(header.bodyStart)
        guard headerStart <= bodyStart, bodyStart <= prefix.count else { throw .offsetsOutsideFile }
        key = try CacheKeyLine.key(in: prefix, header: header)
        guard CRC32.checksum(key) == header.keyChecksum else { throw .checksumMismatch }
        if let expectedKey, expectedKey != key { throw .keyMismatch }
        // The stored head must end exactly at body_start.
        guard let parsed = try? HTTPResponseParser.parseHead(prefix[headerStart..<bodyStart], requestMethod: .get),
              parsed.headLength == bodyStart - headerStart
        else { throw .malformedStoredHead }
        storedHead = parsed.head
        if case .contentLength(let length) = parsed.framing, Int64(length) != file.size - Int64(bodyStart) {
            throw .bodyLengthMismatch
        }
        if parsed.framing == .none, file.size != Int64(bodyStart), parsed.head.headerFields.contains("Content-Length") {
            throw .bodyLengthMismatch  // Content-Length: 0 with bytes after it
        }
        // ANCHOR_END: checks
        // Read whole only if the file did not grow meanwhile (then the body is sent from the file).
        bodyBytes = readsWholeFile && Int64(prefix.count) == file.size ? Array(prefix[bodyStart...]) : nil
    }

    /// The first `count` bytes of `file` (fewer if it is shorter).
    private static func read(_ file: OpenFile, count: Int, path: String) throws(CacheFileError) -> [UInt8] {
        do {
            return try file.read(count: min(Int(file.size), count), at: 0)
        } catch {
            throw CacheFileError(opening: error, path: path)
        }
    }
}

extension CacheFileError {
    /// What a failure to open or read the file at `path` means for the entry.
    init(opening error: OpenFile.OpenError, path: String) {
        switch error {
        case .notFound: self = .missing
        case .notRegularFile: self = .notARegularFile
        // O_NOFOLLOW refuses a symlink with ELOOP, which OpenFile reports as forbidden.
        case .forbidden: self = Self.isSymlink(path) ? .notARegularFile : .unreadable(EACCES)
        case .system(let code): self = .unreadable(code)
        }
    }

    private static func isSymlink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }
}
