#if canImport(Glibc)
import Glibc
#endif
import HTTPCore
import Synchronization

// Chapter 4, exercise 1 (docs/solutions/04-purge.md): nginx's open_file_cache.

// ANCHOR: held-files
/// Files kept open between HITs, each reused only while its path still names the same file.
///
/// `stat(2)` of the path is compared with what the held descriptor was opened on: device, inode,
/// size, modification and change times. A file renamed over the path (a new store) or an unlink
/// (a purge) changes the answer, so a HIT never reads a replaced or purged entry through an old
/// descriptor. At most `capacity` files are held; the least recently used one is closed first.
final class HeldCacheFiles: Sendable {
    /// What identifies the file a path names, as `stat` reports it.
    struct Identity: Equatable {
        let device: UInt64, inode: UInt64, size: Int64
        let modified: timespec, changed: timespec

        init(_ status: stat) {
            device = UInt64(status.st_dev)
            inode = UInt64(status.st_ino)
            size = Int64(status.st_size)
            modified = status.st_mtim
            changed = status.st_ctim
        }

        static func == (a: Identity, b: Identity) -> Bool {
            a.device == b.device && a.inode == b.inode && a.size == b.size
                && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
                && a.changed.tv_sec == b.changed.tv_sec && a.changed.tv_nsec == b.changed.tv_nsec
        }
    }

    private struct Held {
        let file: OpenFile
        let identity: Identity
        var lastUse: UInt64
    }

    private let capacity: Int
    private let state = Mutex<(files: [String: Held], clock: UInt64)>(([:], 0))

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The open file at `path`: the held one if the path still names it, else a fresh open
    /// (held from then on); `nil` when there is no file there.
    func file(at path: String) -> OpenFile? {
        var status = stat()
        guard stat(path, &status) == 0 else {
            forget(path)
            return nil
        }
        let identity = Identity(status)
        if let held = state.withLock({ state -> OpenFile? in
            state.clock += 1
            guard state.files[path]?.identity == identity else { return nil }
            state.files[path]!.lastUse = state.clock
            return state.files[path]!.file
        }) {
            return held
        }
        guard let file = try? OpenFile(path: path, followsSymlinks: false) else { return nil }
        // What was opened is what fstat says, which may be newer than the stat above.
        var opened = stat()
        guard fstat(file.descriptor, &opened) == 0 else { return file }
        state.withLock { state in
            if state.files[path] == nil, state.files.count >= capacity,
               let oldest = state.files.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
                state.files[oldest] = nil
            }
            state.files[path] = Held(file: file, identity: Identity(opened), lastUse: state.clock)
        }
        return file
    }

    /// Closes the file held for `path`: what a purge or a rename in the index's lock calls, so
    /// that not even the window between two `stat`s serves the old file.
    func forget(_ path: String) {
        _ = state.withLock { $0.files.removeValue(forKey: path) }
    }

    /// How many files are held.
    var count: Int { state.withLock { $0.files.count } }
}
// ANCHOR_END: held-files
