#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NginxCache
import Synchronization

/// Follows a cache directory with inotify: entries renamed into place and entries removed, with
/// their keys (ngxcpd's watcher).
///
/// Every level directory gets a watch; a level directory created later gets one as soon as it
/// appears, and is listed then, since entries may land in it before the watch does. An entry renamed
/// in between the watch and the listing shows up twice, listed and as a rename event; the file's
/// inode tells the two apart from a second store at the same path, which is a new file renamed over
/// the old one. `run` reads the events on the calling thread until `stop()`; everything else is set
/// up in `init`.
final class CacheWatcher: Sendable {
    /// One change.
    struct Event: Sendable, Equatable {
        enum Kind: String, Sendable { case stored, removed }
        let kind: Kind
        /// The entry's key; `nil` for a removed file whose key was never read.
        let key: String?
        let path: String

        /// `stored 127.0.0.1:8000/1.jpg (/tmp/step4-cache/f/92/e132…)`.
        var text: String { "\(kind.rawValue) \(key ?? "(unknown key)") (\(path))" }

        var json: String {
            let object: [String: Any] = ["event": kind.rawValue, "key": key ?? NSNull(), "path": path]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// Why a directory cannot be watched.
    struct WatchError: Error, CustomStringConvertible {
        let path: String
        let errno: Int32
        var description: String { "\(path): \(String(cString: strerror(errno)))" }
    }

    let directory: CacheDirectory
    private let descriptor: Int32
    private let isStopped = Atomic<Bool>(false)
    /// What only `init` and then `run` touch, one thread at a time.
    private let state: Mutex<State>

    private struct State {
        /// Each watched directory and its depth (0: the cache directory).
        var directories: [Int32: (path: String, depth: Int)] = [:]
        /// Every entry known, by path.
        var entries: [String: KnownEntry] = [:]
    }

    /// An entry reported: its key, and the inode of the file that was reported.
    private struct KnownEntry {
        let key: String
        let inode: UInt64
    }

    /// Watches `directory`, and notes the entries already there.
    init(directory: CacheDirectory) throws(WatchError) {
        self.directory = directory
        let descriptor = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard descriptor >= 0 else { throw WatchError(path: directory.path, errno: errno) }
        self.descriptor = descriptor
        var state = State()
        _ = Self.watch(directory.path, depth: 0, descriptor: descriptor, levels: directory.levels, state: &state)
        guard !state.directories.isEmpty else {
            // The cache directory itself could not be watched: say why (ENOENT, ENOTDIR, EACCES…).
            let code = errno
            close(descriptor)
            throw WatchError(path: directory.path, errno: code)
        }
        self.state = Mutex(state)
    }

    deinit { close(descriptor) }

    /// The number of entries known.
    var entryCount: Int { state.withLock { $0.entries.count } }

    /// Reads events and hands each change to `onEvent`, until `stop()`.
    func run(_ onEvent: (Event) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while !isStopped.load(ordering: .relaxed) {
            var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 200) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
            guard count > 0 else { continue }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= count {
                let (watch, mask, nameLength) = buffer.withUnsafeBytes { raw in
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    return (event.wd, event.mask, Int(event.len))
                }
                let nameStart = offset + MemoryLayout<inotify_event>.size
                let name = String(decoding: buffer[nameStart..<nameStart + nameLength].prefix { $0 != 0 }, as: UTF8.self)
                offset = nameStart + nameLength
                for event in handle(watch: watch, mask: mask, name: name) { onEvent(event) }
            }
        }
    }

    /// Ends `run` within a fifth of a second.
    func stop() {
        isStopped.store(true, ordering: .relaxed)
    }

    /// The changes one inotify event stands for.
    private func handle(watch: Int32, mask: UInt32, name: String) -> [Event] {
        state.withLock { state in
            guard let (parent, depth) = state.directories[watch] else { return [] }
            let path = parent + "/" + name
            if mask & UInt32(IN_ISDIR) != 0 {
                // A new level directory: watch it, and report what is already in it.
                guard mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 else { return [] }
                return Self.watch(path, depth: depth + 1, descriptor: descriptor, levels: directory.levels, state: &state)
            }
            guard depth == directory.levels.digitsPerLevel.count, CacheDirectory.isEntryName(name) else { return [] }
            if mask & UInt32(IN_MOVED_TO) != 0 {
                return Self.note(path, name: name, state: &state)
            }
            if mask & UInt32(IN_DELETE | IN_MOVED_FROM) != 0 {
                return [Event(kind: .removed, key: state.entries.removeValue(forKey: path)?.key, path: path)]
            }
            return []
        }
    }

    /// Watches `path`, at `depth`, and the level directories under it; returns the entries found
    /// in them (noting their keys).
    private static func watch(_ path: String, depth: Int, descriptor: Int32, levels: CacheLevels,
                              state: inout State) -> [Event] {
        let isLevel = depth < levels.digitsPerLevel.count
        let mask = isLevel ? UInt32(IN_CREATE | IN_MOVED_TO | IN_ONLYDIR) : UInt32(IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE)
        let watchDescriptor = inotify_add_watch(descriptor, path, mask)
        guard watchDescriptor >= 0 else { return [] }
        state.directories[watchDescriptor] = (path, depth)
        var found: [Event] = []
        guard let stream = opendir(path) else { return [] }
        defer { closedir(stream) }
        while let item = readdir(stream) {
            let name = withUnsafeBytes(of: item.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            let child = path + "/" + name
            if isLevel {
                if item.pointee.d_type == DT_DIR, name.utf8.count == levels.digitsPerLevel[depth] {
                    found += watch(child, depth: depth + 1, descriptor: descriptor, levels: levels, state: &state)
                }
            } else if CacheDirectory.isEntryName(name) {
                found += note(child, name: name, state: &state)
            }
        }
        return found
    }

    /// Notes the entry file at `path`: a stored event, unless this very file (same inode) was
    /// reported already or is not a valid entry.
    private static func note(_ path: String, name: String, state: inout State) -> [Event] {
        var status = stat()
        guard lstat(path, &status) == 0, state.entries[path]?.inode != UInt64(status.st_ino),
              let entry = try? CacheLoader.loadEntry(at: path, name: name) else { return [] }
        let key = String(decoding: entry.key, as: UTF8.self)
        state.entries[path] = KnownEntry(key: key, inode: UInt64(status.st_ino))
        return [Event(kind: .stored, key: key, path: path)]
    }
}
