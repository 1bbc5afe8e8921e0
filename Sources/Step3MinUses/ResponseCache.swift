import HTTPCore

/// The bounded store: counts the uses of every key, stores a response only once its key has been
/// used `minUses` times, and keeps memory within `maxSize` bytes of entries and `keysZoneSize`
/// bytes' worth of keys, forgetting keys idle for longer than `inactive`.
///
/// Everything is in memory, so a restart forgets entries and use counts alike. The rules live in
/// `KeyIndex`; this type makes them safe to use from every connection thread at once.
final class ResponseCache: Sendable {
    /// Why one lock around the whole index: a request holds it once, for a dictionary lookup and
    /// a few integer writes, which is far shorter than anything else a request does, so the
    /// threads hardly ever wait for it.
    private let index: Lock<KeyIndex>
    /// The most bytes of entries kept; a response larger than this is not worth collecting.
    let maxSize: Int
    /// Where the cache reads the time: the continuous clock, or one a test moves by hand.
    let now: @Sendable () -> ContinuousClock.Instant

    /// An empty cache with these limits (see `KeyIndex`), reading the time from `now`.
    init(minUses: Int, maxSize: Int, keysZoneSize: Int, inactive: Duration,
         now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.maxSize = maxSize
        self.now = now
        index = Lock(KeyIndex(minUses: minUses, maxSize: maxSize, keysZoneSize: keysZoneSize, inactive: inactive))
    }

    // ANCHOR: look-up
    /// Counts a GET or HEAD of `key` as a use and says how to answer it: the one lock a request takes.
    func lookUp(_ key: CacheKey) -> CacheLookup {
        // The clock is read under the lock, so the index sees instants in order (see `use`).
        index.withLock { $0.use(key, at: now()) }
    }

    /// Stores `response` under `key`, replacing any entry there (the last complete response wins,
    /// as it does in nginx when several misses for one key race), within the size limit.
    func store(_ response: CachedResponse, for key: CacheKey) {
        index.withLock { $0.store(response, for: key) }
    }
    // ANCHOR_END: look-up
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
