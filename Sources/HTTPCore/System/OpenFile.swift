#if canImport(Glibc)
import Glibc
#endif
import CSystemShims

/// A regular file opened read-only, with the facts a file server needs; closed when released.
///
/// The descriptor is opened with `O_CLOEXEC` so that child processes never inherit it.
public final class OpenFile: Sendable {
    /// Why a file could not be opened.
    public enum OpenError: Error, Equatable, Sendable {
        /// No such file (ENOENT, ENOTDIR).
        case notFound
        /// The file exists but may not be read (EACCES, ELOOP with `O_NOFOLLOW`).
        case forbidden
        /// The path names a directory, socket or other non-regular file.
        case notRegularFile
        /// Any other failure, with its errno.
        case system(Int32)
    }

    public let descriptor: Int32
    /// The size in bytes when opened.
    public let size: Int64
    /// The modification time, whole seconds since the Unix epoch.
    public let modificationTime: Int64
    /// What the file takes on disk, in bytes (`st_blocks` × 512), which a size bound on a
    /// directory of files counts, as nginx's `max_size` does.
    public let allocatedSize: Int64

    /// Opens `path` for reading, relative to the open directory `directory` when given
    /// (`openat(2)`); fails unless it is a regular file, and, unless `followsSymlinks`, when its
    /// last component is a symlink (`.forbidden`). Without `updatesAccessTime`, reads leave the
    /// access time as it was (`O_NOATIME`) where the process owns the file.
    public init(path: String, relativeTo directory: Int32? = nil, followsSymlinks: Bool = true,
                updatesAccessTime: Bool = true) throws(OpenError) {
        // O_NONBLOCK: opening a named pipe would otherwise block until a writer appears, and hang
        // the connection; for regular files the flag changes nothing.
        let flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (followsSymlinks ? 0 : O_NOFOLLOW)
        let base = directory ?? AT_FDCWD
        var fd = openat(base, path, updatesAccessTime ? flags : flags | shim_open_flag_noatime())
        // O_NOATIME is refused (EPERM) on a file another user owns: open it the ordinary way.
        if fd < 0, errno == EPERM, !updatesAccessTime { fd = openat(base, path, flags) }
        guard fd >= 0 else {
            switch errno {
            case ENOENT, ENOTDIR, ENAMETOOLONG: throw .notFound
            case EACCES, EPERM, ELOOP: throw .forbidden
            case let code: throw .system(code)
            }
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw .system(code)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw .notRegularFile
        }
        descriptor = fd
        size = Int64(info.st_size)
        modificationTime = Int64(info.st_mtim.tv_sec)
        allocatedSize = Int64(info.st_blocks) * 512
    }

    /// Reads up to `count` bytes from `offset` (`pread(2)`, so readers on other threads do not
    /// disturb each other); fewer only at the end of the file.
    public func read(count: Int, at offset: Int64) throws(OpenError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let result = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw .system(errno)
            }
            if result == 0 { break }
            filled += result
        }
        return Array(bytes.prefix(filled))
    }

    deinit { close(descriptor) }
}
