#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import HTTPCore
import Synchronization

/// nginx's cache loader: rebuilds what a cache knows from the files in its directory, reading
/// only each file's header and key line.
///
/// A valid entry (version 5, a key line whose md5 is the file's name and whose crc32 the header
/// holds, offsets inside the file) becomes a `LoadedEntry`. Temporary files left by writes that
/// never finished are removed, and so are files that are not valid entries; strays that are not
/// files (directories, symlinks where an entry belongs) are reported and left alone. The body and
/// the stored head are not read here: `CacheFile` checks them when the entry is used.
public enum CacheLoader {
    /// What the cache knows about one entry without opening it again.
    public struct LoadedEntry: Sendable, Equatable {
        public var key: [UInt8]
        public var path: String
        /// The file's size in bytes.
        public var fileSize: Int64
        /// What the file counts against a cache's size bound: its blocks on disk (`st_blocks` ×
        /// 512), or its length if that is more, as nginx counts `max_size` (`ngx_file_fs_size`).
        public var diskSize: Int64
        public var header: CacheFileHeader
    }

    /// The result of a load.
    public struct Report: Sendable {
        public var entries: [LoadedEntry] = []
        /// Temporary and invalid files removed, with the reason for each invalid one.
        public var removed: [(path: String, reason: String)] = []
        /// Names that are neither entries nor files to remove, left as they are.
        public var strays: [String] = []
    }

    /// Loads the cache under `directory`; with `removingInvalidFiles: false` nothing is deleted
    /// (a tool that only looks).
    public static func load(directory: CacheDirectory, removingInvalidFiles: Bool = true) throws(CacheDirectory.WalkError) -> Report {
        let entries = Mutex<[LoadedEntry]>([])
        var report = try load(directory: directory, removingInvalidFiles: removingInvalidFiles) { batch in
            entries.withLock { $0 += batch }
        }
        report.entries = entries.withLock { $0 }
        return report
    }

    // ANCHOR: load-concurrently
    /// Loads the cache under `directory`, handing valid entries to `onEntries` a few hundred at a
    /// time as soon as they are read (a proxy adds them to its index while it already serves);
    /// the report's `entries` stay empty.
    ///
    /// Why several threads: each entry costs an `open`, an `fstat`, a `pread` and a `close`,
    /// and the first-level directories are independent, so they are loaded on every core at
    /// once (`concurrentPerform`: start-up work, bounded by the core count, not I/O that waits
    /// on clients). `onEntries` is therefore called from several threads.
    public static func load(directory: CacheDirectory, removingInvalidFiles: Bool = true,
                            onEntries: @Sendable ([LoadedEntry]) -> Void) throws(CacheDirectory.WalkError) -> Report {
        var report = Report()
        let names = try directory.firstLevelDirectories { item in
            if case .stray(let path) = item { report.strays.append(path) }
        }
        let shared = Mutex((report: report, failure: CacheDirectory.WalkError?.none))
        DispatchQueue.concurrentPerform(iterations: names.count) { index in
            var local = Report()
            var batch: [LoadedEntry] = []
            var failure: CacheDirectory.WalkError?
            do throws(CacheDirectory.WalkError) {
                try directory.walk(firstLevelDirectory: names[index]) { item in
                    switch item {
                    case .entry(let path, let name, let directory):
                        do throws(CacheFileError) {
                            batch.append(try loadEntry(at: path, name: name, in: directory))
                            if batch.count == 256 {
                                onEntries(batch)
                                batch.removeAll(keepingCapacity: true)
                            }
                        } catch {
                            if removingInvalidFiles { unlink(path) }
                            local.removed.append((path, error.description))
                        }
                    case .temporary(let path):
                        if removingInvalidFiles { unlink(path) }
                        local.removed.append((path, "temporary file of an unfinished write"))
                    case .stray(let path):
                        local.strays.append(path)
                    }
                }
            } catch {
                failure = error
            }
            if !batch.isEmpty { onEntries(batch) }
            shared.withLock { shared in
                shared.report.removed += local.removed
                shared.report.strays += local.strays
                shared.failure = shared.failure ?? failure
            }
        }
        let (merged, failure) = shared.withLock { ($0.report, $0.failure) }
        if let failure { throw failure }
        return merged
    }
    // ANCHOR_END: load-concurrently

    // ANCHOR: load-entry
    /// The entry at `path`, whose name is `name`, from its header and key line alone; with
    /// `directory`, the open descriptor of the directory it is in, the file is opened relative to it.
    public static func loadEntry(at path: String, name: String, in directory: Int32? = nil) throws(CacheFileError) -> LoadedEntry {
        let file: OpenFile
        do {
            // Reading a header is not a use of the entry: the access time stays as it was.
            file = try OpenFile(path: directory == nil ? path : name, relativeTo: directory,
                                followsSymlinks: false, updatesAccessTime: false)
        } catch {
            throw CacheFileError(opening: error, path: path)
        }
        // One 1 KiB read holds the header and any ordinary key line; a longer key is read on.
        var prefix = try read(file, count: min(Int(file.size), 1024))
        let header = try CacheFileHeader(decoding: prefix)
        guard header.headerStart <= header.bodyStart, Int64(header.bodyStart) <= file.size else { throw .offsetsOutsideFile }
        if Int(header.headerStart) > prefix.count {
            prefix = try read(file, count: Int(header.headerStart))
        }
        let key = try CacheKeyLine.key(in: prefix, header: header)
        guard CRC32.checksum(key) == header.keyChecksum else { throw .checksumMismatch }
        // The file must be the one its key names: a file copied or renamed by hand is not.
        guard MD5(key).hex == name else { throw .keyMismatch }
        return LoadedEntry(key: key, path: path, fileSize: file.size, diskSize: max(file.size, file.allocatedSize), header: header)
    }
    // ANCHOR_END: load-entry

    private static func read(_ file: OpenFile, count: Int) throws(CacheFileError) -> [UInt8] {
        do {
            return try file.read(count: count, at: 0)
        } catch {
            throw CacheFileError(opening: error, path: "")
        }
    }
}
