#if canImport(Glibc)
import Glibc
#endif
import HTTPCore
import NginxCache
import Synchronization

/// The bounded store, on disk: counts the uses of every key, stores a response in a cache file
/// once its key has been used `minUses` times, and keeps the files within `maxSize` bytes and
/// the keys within `keysZoneSize`, forgetting keys idle for longer than `inactive`, files included.
///
/// The files are nginx's: `directory` laid out in its levels, one version-5 file per entry,
/// named by the md5 of its key. The rules live in `KeyIndex`; this type makes them safe to use
/// from every connection thread at once and keeps the disk in step with them:
/// - every change to an entry's final path (a rename into place, a deletion) happens under the
///   index's lock, so the index and the directory never disagree for long;
/// - nothing is trusted: a HIT opens and checks its file (`openFile`), and one that vanished or
///   fails a check is forgotten and treated as a MISS, as nginx does;
/// - at start-up, `load()` rebuilds the index from the directory while requests are served; until
///   it is done, a key not indexed yet is looked for on disk.
final class ResponseCache: Sendable {
    /// Why one lock around the whole index: a request holds it once, for a dictionary lookup and
    /// a few integer writes, which is far shorter than anything else a request does. A store
    /// holds it for one `rename(2)` too, and a deletion for one `unlink(2)`: the price of a
    /// directory that always matches the index.
    private let index: Lock<KeyIndex>
    /// The cache directory and its levels.
    let directory: CacheDirectory
    /// The most bytes of files kept; a response larger than this is not worth writing.
    let maxSize: Int
    /// The query parameter that names a key's source image, besides its path (`SourceIndex`).
    let sourceParameter: String?
    /// Where the cache reads the time: the continuous clock, or one a test moves by hand.
    let now: @Sendable () -> ContinuousClock.Instant
    /// Where problems with files are reported, one line each (standard error by default).
    private let report: @Sendable (String) -> Void
    /// Whether the index may not know every file yet: until `load()` has read the directory
    /// (nginx's "cold" cache).
    private let loading = Atomic<Bool>(true)
    /// Problems already reported, so that a file that fails on every request is reported once.
    private let reported = Mutex(Set<String>())
    /// The recent purges, so that a miss that began before a purge of its key does not store.
    /// Taken only inside the index's lock, or alone: never the other way round.
    let purges = Mutex(PurgeLog())

    /// An empty index over `directory` with these limits (see `KeyIndex`), reading the time from
    /// `now`; `load()` fills it from the files already there.
    init(directory: CacheDirectory, minUses: Int, maxSize: Int, keysZoneSize: Int, inactive: Duration,
         sourceParameter: String? = nil,
         now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
         report: @escaping @Sendable (String) -> Void = ResponseCache.reportToStandardError) {
        self.directory = directory
        self.maxSize = maxSize
        self.sourceParameter = sourceParameter
        self.now = now
        self.report = report
        index = Lock(KeyIndex(minUses: minUses, maxSize: maxSize, keysZoneSize: keysZoneSize, inactive: inactive,
                              sourceParameter: sourceParameter))
    }

    /// The path of `key`'s file: `DIR/5/7f/b37ddbaa7469e61f7b5caa77983547f5` for levels `1:2`.
    func path(for key: CacheKey) -> String {
        directory.path + "/" + directory.levels.relativePath(ofFileNamed: MD5(Array(key.rawValue.utf8)).hex)
    }

    // ANCHOR: look-up
    /// Counts a GET or HEAD of `key` as a use and says how to answer it: the one lock a request
    /// takes (two while the loader runs and the key is not indexed yet). A HIT counts the entry's
    /// whole body as sent when `countsBodyAsSent` (see `KeyIndex.use`).
    func lookUp(_ key: CacheKey, countsBodyAsSent: Bool = false) -> CacheLookup {
        // The clock is read under the lock, so the index sees instants in order (see `use`).
        let lookup = withIndex { $0.use(key, at: now(), countsBodyAsSent: countsBodyAsSent) }
        guard case .miss = lookup, loading.load(ordering: .acquiring) else { return lookup }
        // While the loader runs, a key it has not reached yet may have a file: look at it, as
        // nginx does while its cache is "cold".
        return lookUpFile(of: key) ?? lookup
    }

    /// Files up to this size are read whole on a HIT and sent from memory, as nginx sends every HIT
    /// (`pread` and one `writev` with the head); larger ones are sent with `sendfile(2)`.
    ///
    /// Why: `sendfile` splices through a pipe, which for a few kilobytes costs more than copying
    /// them (measured on a 5 kB image: about a quarter fewer HITs per second with `sendfile`);
    /// for hundreds of kilobytes, not copying wins. 32 KiB per HIT in flight is the memory bound.
    static let wholeFileLimit = 32 << 10

    /// Opens the file of `entry`, stored for `key`, and checks it; a file that vanished or fails a
    /// check is forgotten (and deleted, and reported once), and `nil` says: a MISS, as in nginx.
    func openFile(of entry: CachedResponse, for key: CacheKey) -> CacheFile? {
        let path = path(for: key)
        do throws(CacheFileError) {
            return try CacheFile(path: path, expectedKey: Array(key.rawValue.utf8), bodyStart: entry.bodyStart,
                                 readsBodiesUpTo: Self.wholeFileLimit)
        } catch {
            // Out of descriptors or memory for a moment (the connection cap leaves a reserve, so
            // this should not happen): the file is fine and stays; this request is a MISS.
            if case .unreadable(let code) = error, [EMFILE, ENFILE, ENOMEM, EINTR].contains(code) {
                reportOnce("cache: cannot open \(path) now: \(String(cString: strerror(code)))")
                return nil
            }
            if error != .missing { reportOnce("cache: \(path): \(error), treated as absent") }
            withIndex { index in
                // Only if it is still this entry: another request may have stored a new file meanwhile.
                guard index.discardEntry(entry, for: key) else { return }
                // A stray directory stays where it is (unlink refuses it): the store's rename
                // then fails, and the key is served as a MISS every time, which is all it can be.
                unlink(path)
            }
            return nil
        }
    }
    // ANCHOR_END: look-up

    /// Whether the loader has read the whole directory, so that the index knows every entry.
    var isLoaded: Bool { !loading.load(ordering: .acquiring) }

    // MARK: - Storing

    // ANCHOR: commit
    /// Renames `file`, complete, into place as `key`'s entry, fresh until `validUntil`, and makes
    /// room for it; or, when the entry may not be kept (too large, its key forgotten while its
    /// response was on the way, or purged since `purgeEpoch`, when its upstream request began),
    /// removes it. Either way nothing of it is left unaccounted.
    func commit(_ file: PendingCacheFile, validUntil: ContinuousClock.Instant, bodyStart: Int, bodyLength: Int,
                storedAt: Int64, for key: CacheKey, purgeEpoch: UInt64) {
        guard let size = file.diskSize() else {
            file.abandon()
            return
        }
        let entry = CachedResponse(validUntil: validUntil, size: Int(clamping: size), bodyStart: bodyStart,
                                   bodyLength: bodyLength, storedAt: storedAt)
        withIndex { index in
            guard index.canStore(entry, for: key), !purges.withLock({ $0.hasPurged(key, since: purgeEpoch) }) else {
                file.abandon()
                return
            }
            do {
                // Why under the lock: the rename and the index change are then one step for every
                // other thread, so a file on disk is always the one the index describes.
                try file.commit()
                index.store(entry, for: key)
            } catch {
                reportOnce("cache: cannot store \(path(for: key)): \(error)")
            }
        }
    }
    // ANCHOR_END: commit

    /// Reports a failure to write an entry (a full disk, a file-size limit): once per kind.
    func reportWriteFailure(_ error: PendingCacheFile.WriteError) {
        reportOnce("cache: cannot write an entry: \(error)")
    }

    // MARK: - The cache manager and the loader

    // ANCHOR: sweep
    /// Forgets every key not used for longer than `inactive`, deleting its file: nginx's cache
    /// manager, which a `PeriodicTask` runs so that files go even when no request comes.
    ///
    /// The lock is taken for a hundred keys at a time, so a sweep of thousands never holds up
    /// the requests for long.
    func sweep() {
        while !withIndex({ $0.forgetInactiveNodes(at: now(), limit: 100) }) {}
    }
    // ANCHOR_END: sweep

    /// What a load found.
    struct LoadReport: Sendable {
        var entries = 0
        var bytes = 0
        /// Temporary files of unfinished writes, and files that are not valid entries, removed.
        var removed = 0
        /// Valid entries removed because they did not fit in `--keys-zone` or `--max-size`.
        var dropped = 0
        var duration = Duration.zero

        /// The start-up line: `cache: 1,204 entries, 73.1 MB, loaded from cache in 41 ms; removed 2 invalid files`.
        func summary(directory: String) -> String {
            let milliseconds = duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000
            var line = "cache: \(Self.grouped(entries)) \(entries == 1 ? "entry" : "entries"), "
                + "\(Self.megabytes(bytes)) MB, loaded from \(directory) in \(Self.grouped(Int(milliseconds))) ms"
            if removed > 0 { line += "; removed \(Self.grouped(removed)) invalid \(removed == 1 ? "file" : "files")" }
            if dropped > 0 { line += "; removed \(Self.grouped(dropped)) over --keys-zone or --max-size" }
            return line
        }

        /// `1204` as `1,204`.
        private static func grouped(_ number: Int) -> String {
            let digits = String(number)
            var result = ""
            for (index, digit) in digits.enumerated() {
                if index > 0, (digits.count - index) % 3 == 0 { result += "," }
                result.append(digit)
            }
            return result
        }

        /// Bytes in decimal megabytes with one decimal: `73100000` as `73.1`.
        private static func megabytes(_ bytes: Int) -> String {
            let tenths = (bytes + 50_000) / 100_000
            return "\(grouped(tenths / 10)).\(tenths % 10)"
        }
    }

    // ANCHOR: load
    /// Rebuilds the index from the files in the directory (nginx's cache loader), reading only
    /// each file's header and key line; requests are served meanwhile.
    ///
    /// Valid entries join the index a few hundred at a time; temporary files left by writes that
    /// never finished and files that are not valid entries are removed, each reported once;
    /// entries that no longer fit (the bounds were lowered since) are removed too.
    func load() throws(CacheDirectory.WalkError) -> LoadReport {
        loading.store(true, ordering: .releasing)
        defer { loading.store(false, ordering: .releasing) }
        let start = ContinuousClock.now
        let loadedAt = now()
        let counts = Mutex(LoadReport())
        // Called from the loader's threads, a batch at a time: one lock per batch.
        let walk = try CacheLoader.load(directory: directory) { batch in
            // A key that is not UTF-8 is not one this proxy makes (its targets are checked text):
            // such a file is left as it is, unindexed.
            let entries = batch.compactMap { loaded in
                String(validating: loaded.key, as: UTF8.self).map { (CacheKey(rawValue: $0), entry(for: loaded), loaded.path) }
            }
            let refused = withIndex { index in
                entries.filter { key, entry, _ in !index.load(entry, for: key, loadedAt: loadedAt) }
            }
            for (_, _, path) in refused { unlink(path) }
            counts.withLock { counts in
                counts.dropped += refused.count
                counts.entries += entries.count - refused.count
                counts.bytes += entries.reduce(0) { $0 + $1.1.size } - refused.reduce(0) { $0 + $1.1.size }
            }
        }
        for (path, reason) in walk.removed { reportOnce("cache: removed \(path): \(reason)") }
        for path in walk.strays { reportOnce("cache: \(path): not a cache entry, left alone") }
        var result = counts.withLock { $0 }
        result.removed = walk.removed.count
        result.duration = ContinuousClock.now - start
        return result
    }
    // ANCHOR_END: load

    /// The entry a loaded file describes; its wall-clock expiry becomes an instant of `now`'s clock.
    private func entry(for loaded: CacheLoader.LoadedEntry) -> CachedResponse {
        let remaining = loaded.header.validUntil - Int64(time(nil))
        return CachedResponse(validUntil: now() + .seconds(remaining), size: Int(clamping: loaded.diskSize),
                              bodyStart: Int(loaded.header.bodyStart),
                              bodyLength: Int(clamping: loaded.fileSize) - Int(loaded.header.bodyStart),
                              storedAt: loaded.header.date)
    }

    /// While loading: `key`'s file, if it has a valid one, joins the index and says how to answer.
    private func lookUpFile(of key: CacheKey) -> CacheLookup? {
        let name = MD5(Array(key.rawValue.utf8)).hex
        guard let loaded = try? CacheLoader.loadEntry(at: path(for: key), name: name),
              loaded.key.elementsEqual(key.rawValue.utf8)
        else { return nil }
        let entry = entry(for: loaded)
        return withIndex { $0.adopt(entry, for: key, at: now()) }
    }

    // MARK: - Under the lock

    /// Runs `body` on the index under the lock, then deletes the files of the entries it forgot,
    /// still under the lock: a key stored again meanwhile must not lose its new file.
    func withIndex<Result>(_ body: (inout KeyIndex) -> Result) -> Result {
        index.withLock { index in
            let result = body(&index)
            for key in index.takeRemovedEntries() { unlink(path(for: key)) }
            return result
        }
    }

    private func reportOnce(_ line: String) {
        let isNew = reported.withLock { reported in
            // A bounded memory of what was said: past 1,000 lines, problems may be repeated.
            if reported.count >= 1_000 { reported.removeAll() }
            return reported.insert(line).inserted
        }
        if isNew { report(line) }
    }

    /// Writes `line` to standard error.
    static let reportToStandardError: @Sendable (String) -> Void = { line in
        let text = line + "\n"
        _ = text.withCString { write(STDERR_FILENO, $0, strlen($0)) }
    }
}

// MARK: - Looking without counting (for tests and diagnostics)

extension ResponseCache {
    /// The number of entries.
    var count: Int {
        index.withLock { $0.entryCount }
    }

    /// The number of keys whose uses are counted, with or without an entry.
    var keyCount: Int {
        index.withLock { $0.keyCount }
    }

    /// The sum of the entries' sizes, at most `maxSize`.
    var storedBytes: Int {
        index.withLock { $0.storedBytes }
    }

    /// How many uses `key` has had since it was last forgotten; 0 for a key not remembered.
    func uses(of key: CacheKey) -> Int {
        index.withLock { $0.uses(of: key) }
    }

    /// The entry stored under `key`, fresh or not, without counting a use.
    func cachedResponse(for key: CacheKey) -> CachedResponse? {
        index.withLock { $0.entry(for: key) }
    }

    /// The keys from the least to the most recently used.
    var keysFromOldest: [CacheKey] {
        index.withLock { $0.keysFromOldest }
    }
}
