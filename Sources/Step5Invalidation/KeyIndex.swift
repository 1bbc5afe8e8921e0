/// Every key the cache remembers, like nginx's `keys_zone`: one node per key with its use count,
/// its last use and what it knows of its cache file, if any, in least-recently-used order.
///
/// Its contract, which mirrors nginx's `proxy_cache_path` with `keys_zone`, `inactive` and
/// `max_size`:
/// - `use(_:at:)` counts one GET or HEAD of a key, moves the key to the recently used end and
///   says whether to answer from the entry; only a counted key can have an entry stored.
/// - A node not used for longer than `inactive` is forgotten, use count and entry together.
/// - At most `keysZoneSize` bytes of nodes, each counted as `zoneBytes(for:)`: a new key makes
///   room by forgetting the least recently used ones.
/// - At most `maxSize` bytes of entries: a store makes room by forgetting least recently used
///   nodes; an entry larger than `maxSize` is never stored.
/// - Entries the cache loader finds on disk join at the least recently used end (`load`).
/// - Every entry forgotten with its node is a file to delete: its key is queued, and
///   `takeRemovedEntries()` hands the queue to the cache, which deletes the files. The index
///   itself never touches the disk, so tests can drive it alone.
///
/// Beside the nodes it keeps a `SourceIndex` (which keys are variants of which source image, for
/// invalidation) and usage statistics: per key its HITs and the body bytes sent, and counters
/// for the whole cache, all updated under the lock a request takes anyway.
///
/// Every operation is O(1), amortised over the nodes it forgets: nodes live in an array and link
/// to each other by index, so moving one to the recently used end rewrites a few integers and
/// allocates nothing. Not safe to share between threads: `ResponseCache` keeps it under a lock.
struct KeyIndex: Sendable {
    /// The bytes of keys zone one key takes: nginx's node (`ngx_http_file_cache_node_t`) is 128
    /// bytes on a 64-bit machine, which is why its documentation says one megabyte holds "about
    /// 8 thousand keys" (1 MiB / 128 = 8,192).
    static let bytesPerKey = 128

    // ANCHOR: zone-bytes
    /// What `key` costs in the keys zone: a node, plus the key's text where it takes memory of
    /// its own. nginx's node holds only the key's md5, but this node holds the key itself, and
    /// a key can be 8 KB of query string: counting only nodes, 90,000 such keys made a `10m`
    /// zone hold 700 MB. Swift keeps a string of up to 15 UTF-8 bytes inside the `String`
    /// value (inside the node); a longer one lives on the heap, and counts.
    static func zoneBytes(for key: CacheKey) -> Int {
        let length = key.rawValue.utf8.count
        return bytesPerKey + (length > 15 ? length : 0)
    }
    // ANCHOR_END: zone-bytes

    // ANCHOR: node
    /// One key: nginx's `ngx_http_file_cache_node_t`, with the key itself where nginx keeps its md5.
    private struct Node: Sendable {
        var key: CacheKey
        /// GET and HEAD requests for the key since the node was made, hits included.
        var uses: Int
        var lastUse: ContinuousClock.Instant
        var entry: CachedResponse?
        /// The uses answered from the entry, and the body bytes sent for the key.
        var hits = 0
        var bytesSent = 0
        /// The slots of the nodes used just before and just after this one; `nil` at the ends.
        var older: Int?
        var newer: Int?
    }
    // ANCHOR_END: node

    /// The uses, counting the current one, from which a response may be stored.
    let minUses: Int
    /// The most bytes of entries kept.
    let maxSize: Int
    /// The most bytes of nodes remembered (`zoneBytes(for:)` summed over the keys).
    let keysZoneSize: Int
    /// How long a key is remembered after its last use.
    let inactive: Duration

    /// The key a vacant slot holds: empty, so it keeps no memory.
    private static let vacantKey = CacheKey(proxyHost: "", target: "")

    /// The nodes, in no particular order; a removed node's slot is reused by the next new key.
    private var nodes: [Node] = []
    private var vacantSlots: [Int] = []
    private var slotsByKey: [CacheKey: Int] = [:]
    /// The ends of the list, least and most recently used.
    private var oldest: Int?
    private var newest: Int?
    /// The sum of the stored entries' sizes.
    private(set) var storedBytes = 0
    /// The number of stored entries.
    private(set) var entryCount = 0
    /// The sum of the remembered keys' `zoneBytes(for:)`.
    private(set) var zoneBytesUsed = 0
    /// The keys whose entries were forgotten since the last `takeRemovedEntries()`: their files go.
    private var removedEntries: [CacheKey] = []
    /// The keys with an entry, by the source images they are variants of.
    private(set) var sources: SourceIndex
    /// What happened since the start, for the whole cache.
    private(set) var counters = CacheCounters()

    /// An empty index whose zone of `keysZoneSize` bytes holds at most `keysZoneSize / bytesPerKey`
    /// keys, finding sources in the query parameter `sourceParameter` too when it is given.
    init(minUses: Int, maxSize: Int, keysZoneSize: Int, inactive: Duration, sourceParameter: String? = nil) {
        precondition(minUses >= 1 && maxSize >= 0 && keysZoneSize >= Self.bytesPerKey && inactive > .zero)
        self.minUses = minUses
        self.maxSize = maxSize
        self.keysZoneSize = keysZoneSize
        self.inactive = inactive
        sources = SourceIndex(sourceParameter: sourceParameter)
    }

    // MARK: - Counting uses

    // ANCHOR: use
    /// Counts a GET or HEAD of `key` at `now` and says how to answer it; a HIT is counted too,
    /// with the entry's whole body as bytes sent when `countsBodyAsSent` (a plain GET, which a
    /// HIT answers with the whole body: counting it here costs no second lock).
    ///
    /// `now` never goes backwards between calls; the list is then ordered by last use, which is
    /// what lets forgetting inactive keys look only at the oldest end.
    mutating func use(_ key: CacheKey, at now: ContinuousClock.Instant, countsBodyAsSent: Bool = false) -> CacheLookup {
        forgetInactiveNodes(at: now)
        let slot: Int
        if let existing = slotsByKey[key] {
            slot = existing
            nodes[slot].uses += 1
            nodes[slot].lastUse = now
            moveToNewest(slot)
        } else if let inserted = insert(Node(key: key, uses: 1, lastUse: now)) {
            slot = inserted
        } else {
            counters.misses += 1
            return .miss(isAdmitted: false)  // a key larger than the whole zone is never remembered
        }
        guard let entry = nodes[slot].entry else {
            counters.misses += 1
            return .miss(isAdmitted: nodes[slot].uses >= minUses)
        }
        guard entry.isFresh(at: now) else {
            counters.expired += 1
            return .expired
        }
        nodes[slot].hits += 1
        counters.hits += 1
        if countsBodyAsSent {
            nodes[slot].bytesSent += entry.bodyLength
            counters.bytesSent += entry.bodyLength
        }
        return .hit(entry)
    }
    // ANCHOR_END: use

    // ANCHOR: store
    /// Stores `entry` for `key`, replacing its old entry, then forgets least recently used nodes
    /// until the entries fit in `maxSize` again.
    ///
    /// Nothing is stored when `entry` alone is larger than `maxSize`, or when `key` was forgotten
    /// while its response was on the way (nginx pins the node meanwhile; here the key's next
    /// request simply counts from one again). The node keeps its place in the list: it moved to
    /// the recently used end when its request was counted, as in nginx.
    @discardableResult
    mutating func store(_ entry: CachedResponse, for key: CacheKey) -> Bool {
        guard canStore(entry, for: key), let slot = slotsByKey[key] else { return false }
        if let old = nodes[slot].entry {
            storedBytes -= old.size
        } else {
            entryCount += 1
            sources.insert(key)
        }
        nodes[slot].entry = entry
        storedBytes += entry.size
        counters.stores += 1
        // As nginx's cache manager does when the cache is over max_size, whole nodes go, with or
        // without an entry: each was used less recently than every node kept, so its use count
        // is the least worth keeping too, and dropping it is O(1).
        while storedBytes > maxSize, let oldest {
            remove(oldest)
        }
        return true
    }
    // ANCHOR_END: store

    /// Whether `store(entry, for: key)` would keep the entry: the key is remembered and the entry
    /// fits in `maxSize`. The cache asks before it renames a file into place.
    func canStore(_ entry: CachedResponse, for key: CacheKey) -> Bool {
        entry.size <= maxSize && slotsByKey[key] != nil
    }

    // ANCHOR: forget-inactive
    /// Forgets every node not used for longer than `inactive` before `now`, from the oldest end.
    ///
    /// Called on every use, so the work is amortised O(1): each node is forgotten once. Like
    /// nginx's cache manager, it drops use counts and entries alike, fresh or not.
    ///
    /// - Returns: `false` when it stopped after `limit` nodes with more to forget.
    @discardableResult
    mutating func forgetInactiveNodes(at now: ContinuousClock.Instant, limit: Int = .max) -> Bool {
        var forgotten = 0
        while let oldest, nodes[oldest].lastUse + inactive < now {
            guard forgotten < limit else { return false }
            remove(oldest)
            forgotten += 1
        }
        return true
    }
    // ANCHOR_END: forget-inactive

    // MARK: - Entries found on disk

    // ANCHOR: load
    /// Adds an entry the cache loader found on disk, as a node used once at `loadedAt` (the instant
    /// the load began), at the least recently used end: a file no request has asked for since
    /// the start is the first to go. A key already remembered keeps its node; it gets the entry
    /// if it has none.
    ///
    /// - Returns: `false` when the entry does not fit in the keys zone or in `maxSize` beside
    ///   what is already known: its file is then one the cache does not keep.
    mutating func load(_ entry: CachedResponse, for key: CacheKey, loadedAt: ContinuousClock.Instant) -> Bool {
        if let slot = slotsByKey[key] {
            guard nodes[slot].entry == nil else { return true }
            guard storedBytes + entry.size <= maxSize else { return false }
            attach(entry, to: slot)
            return true
        }
        let cost = Self.zoneBytes(for: key)
        guard zoneBytesUsed + cost <= keysZoneSize, storedBytes + entry.size <= maxSize else { return false }
        zoneBytesUsed += cost
        let slot = place(Node(key: key, uses: 1, lastUse: loadedAt, entry: entry))
        linkAsOldest(slot)
        storedBytes += entry.size
        entryCount += 1
        sources.insert(key)
        return true
    }
    // ANCHOR_END: load

    /// Gives the key just counted by `use` the entry found in its file while the loader had not
    /// reached it yet, and says how to answer from it; `nil` when the key is not remembered.
    mutating func adopt(_ entry: CachedResponse, for key: CacheKey, at now: ContinuousClock.Instant) -> CacheLookup? {
        guard let slot = slotsByKey[key] else { return nil }
        if nodes[slot].entry == nil {
            guard entry.size <= maxSize else { return nil }
            attach(entry, to: slot)
            while storedBytes > maxSize, let oldest, oldest != slot {
                remove(oldest)
            }
        }
        guard let current = nodes[slot].entry else { return nil }
        return current.isFresh(at: now) ? .hit(current) : .expired
    }

    /// Forgets the entry of `key` but keeps its node and use count: its file vanished or failed a
    /// check, so the next answer refills it (nginx counts on, too). The file is not queued: the
    /// cache deletes it itself.
    ///
    /// - Returns: `false`, changing nothing, when `key`'s entry is no longer `entry`.
    mutating func discardEntry(_ entry: CachedResponse, for key: CacheKey) -> Bool {
        guard let slot = slotsByKey[key], nodes[slot].entry == entry else { return false }
        storedBytes -= entry.size
        entryCount -= 1
        nodes[slot].entry = nil
        sources.remove(key)
        return true
    }

    // ANCHOR: purge-entries
    /// Forgets the entry of `key`, whatever it is, but keeps its node and use count, as nginx
    /// keeps them when a purge deletes the file: the next request refills it. The caller deletes
    /// the file. `false` when the key had no entry.
    mutating func discardEntry(for key: CacheKey) -> Bool {
        guard let slot = slotsByKey[key], let entry = nodes[slot].entry else { return false }
        return discardEntry(entry, for: key)
    }

    /// The keys with an entry whose text starts with `prefix`: a walk over the index, O(keys),
    /// which reads no file.
    func keysWithEntries(startingWith prefix: String) -> [CacheKey] {
        slotsByKey.compactMap { key, slot in
            nodes[slot].entry != nil && key.rawValue.hasPrefix(prefix) ? key : nil
        }
    }
    // ANCHOR_END: purge-entries

    // ANCHOR: source-entries
    /// The keys with an entry that are variants of `source`: found in the source index, O(1) plus
    /// the keys found, without reading any file.
    func keysWithEntries(from source: SourcePath) -> Set<CacheKey> {
        sources.keys(from: source)
    }
    // ANCHOR_END: source-entries

    // MARK: - Usage statistics

    /// Adds `bytes` of body sent for `key` (a MISS, or a HIT whose body was not counted in `use`).
    mutating func recordSent(_ bytes: Int, for key: CacheKey) {
        counters.bytesSent += bytes
        if let slot = slotsByKey[key] { nodes[slot].bytesSent += bytes }
    }

    /// Takes back a HIT counted by `use` whose file then failed its checks: it was a MISS.
    mutating func revertHit(of entry: CachedResponse, for key: CacheKey, countedBody: Bool) {
        let bytes = countedBody ? entry.bodyLength : 0
        counters.hits -= 1
        counters.misses += 1
        counters.bytesSent -= bytes
        if let slot = slotsByKey[key] {
            nodes[slot].hits -= 1
            nodes[slot].bytesSent -= bytes
        }
    }

    /// The `limit` most used keys, most used first (ties: the most recently used first).
    func mostUsedKeys(limit: Int) -> [KeyStatistics] {
        let slots = slotsByKey.values.sorted { left, right in
            (nodes[left].uses, nodes[left].lastUse) > (nodes[right].uses, nodes[right].lastUse)
        }
        return slots.prefix(limit).map { slot in
            let node = nodes[slot]
            return KeyStatistics(key: node.key, uses: node.uses, hits: node.hits, lastUse: node.lastUse,
                                 bytesSent: node.bytesSent, entry: node.entry)
        }
    }

    /// The keys whose entries were forgotten since the last call: their files are to be deleted.
    mutating func takeRemovedEntries() -> [CacheKey] {
        defer { removedEntries.removeAll() }
        return removedEntries
    }

    // MARK: - Looking without counting (for tests and diagnostics)

    /// The number of keys remembered.
    var keyCount: Int { slotsByKey.count }

    /// How many uses `key` has had since it was last forgotten; 0 for a key not remembered.
    func uses(of key: CacheKey) -> Int {
        slotsByKey[key].map { nodes[$0].uses } ?? 0
    }

    /// The entry stored for `key`, fresh or not, without counting a use.
    func entry(for key: CacheKey) -> CachedResponse? {
        slotsByKey[key].flatMap { nodes[$0].entry }
    }

    /// The keys from the least to the most recently used: O(n), for tests only.
    var keysFromOldest: [CacheKey] {
        var keys: [CacheKey] = []
        var slot = oldest
        while let current = slot {
            keys.append(nodes[current].key)
            slot = nodes[current].newer
        }
        return keys
    }

    // MARK: - The list

    /// Adds `node` at the recently used end and returns its slot, first forgetting least recently
    /// used nodes until it fits in the zone (as nginx does when `keys_zone` has no room left);
    /// `nil` when the key alone is larger than the zone.
    private mutating func insert(_ node: Node) -> Int? {
        let cost = Self.zoneBytes(for: node.key)
        guard cost <= keysZoneSize else { return nil }
        while zoneBytesUsed + cost > keysZoneSize, let oldest {
            remove(oldest)
        }
        zoneBytesUsed += cost
        let slot = place(node)
        linkAsNewest(slot)
        return slot
    }

    /// Puts `node` in a vacant slot, or a new one, and returns the slot; it is not linked yet.
    private mutating func place(_ node: Node) -> Int {
        let slot: Int
        if let vacant = vacantSlots.popLast() {
            nodes[vacant] = node
            slot = vacant
        } else {
            nodes.append(node)
            slot = nodes.count - 1
        }
        slotsByKey[node.key] = slot
        return slot
    }

    private mutating func attach(_ entry: CachedResponse, to slot: Int) {
        nodes[slot].entry = entry
        storedBytes += entry.size
        entryCount += 1
        sources.insert(nodes[slot].key)
    }

    /// Forgets the node in `slot`: its key, its use count and its entry.
    private mutating func remove(_ slot: Int) {
        unlink(slot)
        slotsByKey[nodes[slot].key] = nil
        zoneBytesUsed -= Self.zoneBytes(for: nodes[slot].key)
        // Why later: the key goes to the removal queue first. A vacant slot keeps its node until
        // the slot is reused, and a long key's text is memory the zone no longer counts.
        if let entry = nodes[slot].entry {
            storedBytes -= entry.size
            entryCount -= 1
            removedEntries.append(nodes[slot].key)
            sources.remove(nodes[slot].key)
            counters.evictions += 1
        }
        nodes[slot].entry = nil
        nodes[slot].key = Self.vacantKey
        vacantSlots.append(slot)
    }

    // ANCHOR: move-to-newest
    private mutating func moveToNewest(_ slot: Int) {
        guard slot != newest else { return }
        unlink(slot)
        linkAsNewest(slot)
    }

    private mutating func unlink(_ slot: Int) {
        let (older, newer) = (nodes[slot].older, nodes[slot].newer)
        if let older { nodes[older].newer = newer } else { oldest = newer }
        if let newer { nodes[newer].older = older } else { newest = older }
    }

    private mutating func linkAsOldest(_ slot: Int) {
        nodes[slot].older = nil
        nodes[slot].newer = oldest
        if let oldest { nodes[oldest].older = slot } else { newest = slot }
        oldest = slot
    }

    private mutating func linkAsNewest(_ slot: Int) {
        nodes[slot].older = newest
        nodes[slot].newer = nil
        if let newest { nodes[newest].newer = slot } else { oldest = slot }
        newest = slot
    }
    // ANCHOR_END: move-to-newest
}

/// One key's usage, as `KeyIndex.mostUsedKeys(limit:)` reports it.
struct KeyStatistics: Sendable {
    let key: CacheKey
    /// GET and HEAD requests since the key was last remembered anew.
    let uses: Int
    let hits: Int
    let lastUse: ContinuousClock.Instant
    /// Body bytes sent for the key, HITs and MISSes.
    let bytesSent: Int
    /// The key's entry, if it has one.
    let entry: CachedResponse?
}

/// What happened in a cache since the start: the counters `/metrics` exposes.
struct CacheCounters: Sendable, Equatable {
    var hits = 0
    var misses = 0
    var expired = 0
    /// Body bytes sent, HITs and MISSes.
    var bytesSent = 0
    /// Responses stored.
    var stores = 0
    /// Entries forgotten to stay within the bounds, or after `inactive` without a use.
    var evictions = 0
}
