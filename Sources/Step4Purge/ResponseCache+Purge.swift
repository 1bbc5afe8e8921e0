#if canImport(Glibc)
import Glibc
#endif
import HTTPCore

extension ResponseCache {
    // MARK: - Purging

    /// What a purge of one key did.
    struct PurgedKey: Sendable {
        let key: CacheKey
        /// The entry's file, where nginx's formula puts it.
        let path: String
        /// Whether there was an entry (or a file) to delete.
        let wasCached: Bool
    }

    // ANCHOR: purge-key
    /// Deletes `key`'s entry: its file, found through the md5 path without reading any
    /// directory, and what the index knew of it. The use count stays, as in nginx, so the next
    /// request is a MISS that refills the entry; a miss already on its way does not store.
    ///
    /// A HIT that opened the file before it goes on sending it: `unlink(2)` removes the name,
    /// the open file lives until it is closed.
    func purge(_ key: CacheKey) -> PurgedKey {
        let path = path(for: key)
        let wasCached = withIndex { index in
            _ = purges.withLock { $0.record(.key(key)) }
            let hadEntry = index.discardEntry(for: key)
            // The file goes even when the index did not know it (the loader may not have reached it).
            let hadFile = unlink(path) == 0
            return hadEntry || hadFile
        }
        return PurgedKey(key: key, path: path, wasCached: wasCached)
    }
    // ANCHOR_END: purge-key

    /// What a purge of every key with a prefix did.
    enum PrefixPurge: Sendable {
        /// The loader has not read the whole directory yet: the index does not know every key.
        case loading
        /// These keys' entries were deleted.
        case purged([CacheKey])
    }

    // ANCHOR: purge-prefix
    /// Deletes every entry whose key starts with `prefix`, found in the index: no file is read,
    /// and no directory either. The index's lock is taken once to find the keys (and to make
    /// misses in flight for them not store), then for a hundred deletions at a time.
    func purge(prefix: String) -> PrefixPurge {
        guard isLoaded else { return .loading }
        let keys = withIndex { index in
            _ = purges.withLock { $0.record(.prefix(prefix)) }
            return index.keysWithEntries(startingWith: prefix)
        }
        var purged: [CacheKey] = []
        purged.reserveCapacity(keys.count)
        for start in stride(from: 0, to: keys.count, by: 100) {
            withIndex { index in
                for key in keys[start..<min(start + 100, keys.count)] where index.discardEntry(for: key) {
                    unlink(path(for: key))
                    purged.append(key)
                }
            }
        }
        return .purged(purged)
    }
    // ANCHOR_END: purge-prefix
}
