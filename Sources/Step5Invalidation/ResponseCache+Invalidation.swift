#if canImport(Glibc)
import Glibc
#endif
import HTTPCore

extension ResponseCache {
    // MARK: - Invalidation by source

    /// An entry an invalidation deleted.
    struct InvalidatedEntry: Sendable {
        let key: CacheKey
        let path: String
        /// The bytes it counted against `--max-size`.
        let size: Int
        /// When it was stored, in Unix seconds.
        let storedAt: Int64
    }

    /// What invalidating one source did.
    struct SourceInvalidation: Sendable {
        var deleted: [InvalidatedEntry] = []
        /// The files that could not be deleted, with the reason: their entries stay, and are served.
        var failures: [(path: String, reason: String)] = []
    }

    // ANCHOR: invalidate
    /// Deletes the entry of every key that is a variant of `source` (`SourceIndex`), found in the
    /// index: no file and no directory is read. A miss already on its way for such a key, or for
    /// a key not cached yet that is one, relays its answer but does not store it.
    ///
    /// A file that cannot be deleted (`unlink(2)` fails other than with "no such file") keeps its
    /// entry, so the index still describes the directory, and is reported in `failures`; the
    /// other variants go on being deleted.
    ///
    /// - Returns: `nil` while the loader runs: the index does not know every entry yet.
    func invalidate(_ source: SourcePath) -> SourceInvalidation? {
        guard isLoaded else { return nil }
        let keys = withIndex { index in
            _ = purges.withLock { $0.record(.source(source, sourceParameter: sourceParameter)) }
            return index.keysWithEntries(from: source).sorted { $0.rawValue < $1.rawValue }
        }
        var result = SourceInvalidation()
        // As for a prefix purge: a hundred deletions per hold of the lock.
        for start in stride(from: 0, to: keys.count, by: 100) {
            withIndex { index in
                for key in keys[start..<min(start + 100, keys.count)] {
                    guard let entry = index.entry(for: key) else { continue }
                    let path = path(for: key)
                    if unlink(path) != 0, errno != ENOENT {
                        result.failures.append((path, String(cString: strerror(errno))))
                        continue
                    }
                    _ = index.discardEntry(entry, for: key)
                    result.deleted.append(InvalidatedEntry(key: key, path: path, size: entry.size, storedAt: entry.storedAt))
                }
            }
        }
        return result
    }
    // ANCHOR_END: invalidate

    // ANCHOR: invalidate-record
    /// Applies `record`'s requested URLs to this cache, one after another, and fills in what it
    /// did: the URLs done, the entries deleted, and an error naming each file that could not be
    /// deleted (its URL is then not done; the others go on).
    func invalidate(_ record: inout InvalidationRecord) {
        var errors: [String] = []
        for url in record.requestedInvalidations {
            // The URLs were checked when the call came in; one that is not a source now matches nothing.
            let result = SourcePath(url: url).flatMap(invalidate) ?? SourceInvalidation()
            record.invalidatedImages += result.deleted.map { entry in
                InvalidationRecord.InvalidatedImage(source: url, key: entry.key.rawValue, path: entry.path, size: entry.size,
                                                    storedAt: InvalidationRecord.rfc3339(entry.storedAt))
            }
            if result.failures.isEmpty {
                record.doneInvalidations.append(url)
            } else {
                errors += result.failures.map { "\(url): cannot delete \($0.path): \($0.reason)" }
            }
        }
        record.invalidationError = errors.isEmpty ? nil : errors.joined(separator: "; ")
    }
    // ANCHOR_END: invalidate-record

    // MARK: - Usage statistics

    /// The cache's counters and sizes, and its `top` most used keys.
    struct Statistics: Sendable {
        let counters: CacheCounters
        let keyCount: Int
        let entryCount: Int
        let storedBytes: Int
        let mostUsed: [KeyStatistics]
    }

    /// A snapshot of the statistics, with the `top` most used keys (0 for none).
    func statistics(top: Int) -> Statistics {
        withIndex { index in
            Statistics(counters: index.counters, keyCount: index.keyCount, entryCount: index.entryCount,
                       storedBytes: index.storedBytes, mostUsed: top > 0 ? index.mostUsedKeys(limit: top) : [])
        }
    }

    /// Whether `key` has been used `--min-uses` times, without counting a use.
    func hasReachedMinUses(_ key: CacheKey) -> Bool {
        withIndex { $0.uses(of: key) >= $0.minUses }
    }

    /// Adds `bytes` of body sent for `key` (negative: takes back bytes counted but not sent).
    func recordSent(_ bytes: Int, for key: CacheKey) {
        guard bytes != 0 else { return }
        withIndex { $0.recordSent(bytes, for: key) }
    }

    /// Takes back a HIT whose file failed its checks (`openFile` returned `nil`): it was a MISS.
    func revertHit(of entry: CachedResponse, for key: CacheKey, countedBody: Bool) {
        withIndex { $0.revertHit(of: entry, for: key, countedBody: countedBody) }
    }
}
