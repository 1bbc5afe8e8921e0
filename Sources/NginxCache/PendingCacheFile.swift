#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A cache file being written, crash-safely, as nginx writes one with `use_temp_path=off`: into
/// a temporary file in the entry's own directory, named the md5 and a dot and a counter, then
/// renamed into place in one `rename(2)`.
///
/// A reader therefore sees the old entry, or none, or the whole new one; never half of one. A
/// write that fails, a body that breaks off, or a pending file released without `commit()`
/// leaves no file behind. Two writers of one key each write their own temporary file; the last
/// rename wins, as in nginx.
public final class PendingCacheFile {
    /// Why an entry could not be written.
    public enum WriteError: Error, Equatable, Sendable, CustomStringConvertible {
        /// A system call failed (`ENOSPC` for a full disk, `EFBIG` past a file-size limit, …):
        /// `write`, `rename`, or `mkdir` with the directory it could not create.
        case system(call: String, errno: Int32)
        /// The key and stored head do not fit before a 16-bit `body_start`.
        case headTooLarge

        public var description: String {
            switch self {
            case let .system(call, code): "\(call): \(String(cString: strerror(code)))"
            case .headTooLarge: "the key and response head are larger than a cache file allows"
            }
        }
    }

    /// Where the entry will be: `DIR/5/7f/<md5>`.
    public let path: String
    /// Where it is written meanwhile: `DIR/5/7f/<md5>.<counter>`.
    public let temporaryPath: String
    /// Where the body starts in the file: after the header, the key line and the stored head.
    public let bodyStart: Int
    private var descriptor: Int32
    private var isFinished = false

    /// Numbers the temporary files of this process.
    private static let counter = Atomic<UInt64>(0)

    /// Starts the entry for `key` under `cacheDirectory`: creates missing level directories (mode
    /// 0700), the temporary file (0600, `O_EXCL`), and writes `header` (its crc32 and offsets
    /// filled in here), the key line and `storedHead`, the response head as received.
    public init(cacheDirectory: String, levels: CacheLevels, key: [UInt8], header: CacheFileHeader,
                storedHead: [UInt8]) throws(WriteError) {
        // ANCHOR: pending-start
        let name = MD5(key).hex
        path = cacheDirectory + "/" + levels.relativePath(ofFileNamed: name)
        let number = Self.counter.add(1, ordering: .relaxed).newValue
        // nginx's temporary names end in a ten-digit counter: <md5>.0000000001.
        let digits = String(number)
        temporaryPath = path + "." + String(repeating: "0", count: max(0, 10 - digits.count)) + digits
        var header = header
        let headerStart = CacheFileHeader.size + CacheKeyLine.prefix.count + key.count + 1
        guard headerStart + storedHead.count <= Int(UInt16.max) else { throw .headTooLarge }
        header.keyChecksum = CRC32.checksum(key)
        header.headerStart = UInt16(headerStart)
        header.bodyStart = UInt16(headerStart + storedHead.count)
        bodyStart = headerStart + storedHead.count

        descriptor = -1
        try Self.makeDirectories(for: path, under: cacheDirectory)
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .system(call: "open", errno: errno) }
        do {
            try append(header.encoded() + CacheKeyLine.encode(key) + storedHead)
        } catch {
            abandon()
            throw error
        }
        // ANCHOR_END: pending-start
    }

    deinit { abandon() }

    /// Appends body bytes.
    public func append(_ bytes: some Collection<UInt8>) throws(WriteError) {
        let bytes = Array(bytes)
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                let code = errno
                abandon()
                throw .system(call: "write", errno: code)
            }
            written += result
        }
    }

    /// What the file written so far counts against a cache's size bound: its blocks on disk,
    /// or its length if that is more (nginx's `ngx_file_fs_size`); `nil` if it cannot be told.
    public func diskSize() -> Int64? {
        var info = stat()
        guard !isFinished, fstat(descriptor, &info) == 0 else { return nil }
        return max(Int64(info.st_size), Int64(info.st_blocks) * 512)
    }

    // ANCHOR: pending-commit
    /// Renames the finished file into place and returns its path.
    @discardableResult
    public func commit() throws(WriteError) -> String {
        guard !isFinished else { throw .system(call: "commit", errno: EBADF) }
        let closed = close(descriptor)
        descriptor = -1
        guard closed == 0 else {
            let code = errno
            abandon()
            throw .system(call: "close", errno: code)
        }
        guard rename(temporaryPath, path) == 0 else {
            let code = errno
            abandon()
            throw .system(call: "rename", errno: code)
        }
        isFinished = true
        return path
    }
    // ANCHOR_END: pending-commit

    /// Gives up: closes and removes the temporary file. Nothing of the entry remains.
    public func abandon() {
        guard !isFinished else { return }
        isFinished = true
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(temporaryPath)
    }

    /// Creates the level directories between `cacheDirectory` and the file at `path`, mode 0700.
    private static func makeDirectories(for path: String, under cacheDirectory: String) throws(WriteError) {
        let relative = path.dropFirst(cacheDirectory.count + 1).split(separator: "/").dropLast()
        var directory = cacheDirectory
        for component in relative {
            directory += "/" + component
            if mkdir(directory, 0o700) != 0, errno != EEXIST {
                throw .system(call: "mkdir \(directory)", errno: errno)
            }
        }
    }
}
