import HTTPCore
import NginxCache

// ANCHOR: cache-file-writer
/// A writer that streams the body into a new cache file while it is relayed, and renames the
/// file into place when the body is complete: this step's cache keeps its entries on disk.
///
/// Memory holds nothing of the body: each piece goes to the file as it passes. A write that fails
/// (a full disk, a file-size limit) gives up and removes the temporary file; the client's copy
/// goes on. A writer released without `commit()` removes it too (`PendingCacheFile`'s deinit).
final class CacheFileWriter: StorageWriter {
    private let file: PendingCacheFile
    private let cache: ResponseCache
    private let key: CacheKey
    private let validUntil: ContinuousClock.Instant
    /// The last purge before the upstream was asked: a purge of `key` after it means no store.
    private let purgeEpoch: UInt64
    /// When the response was stored, in Unix seconds (the header's `date`).
    private let storedAt: Int64
    /// The body bytes written so far.
    private var bodyLength = 0

    /// Starts `key`'s file with `header` and `storedHead` (the upstream's head as received);
    /// `nil`, reported, when the file cannot be created.
    init?(cache: ResponseCache, key: CacheKey, header: CacheFileHeader, storedHead: [UInt8],
          validUntil: ContinuousClock.Instant, purgeEpoch: UInt64) {
        do {
            file = try PendingCacheFile(cacheDirectory: cache.directory.path, levels: cache.directory.levels,
                                        key: Array(key.rawValue.utf8), header: header, storedHead: storedHead)
        } catch {
            cache.reportWriteFailure(error)
            return nil
        }
        self.cache = cache
        self.key = key
        self.validUntil = validUntil
        self.purgeEpoch = purgeEpoch
        storedAt = header.date
    }

    func append(_ piece: ArraySlice<UInt8>) -> Bool {
        do {
            try file.append(piece)
            bodyLength += piece.count
            return true
        } catch {
            cache.reportWriteFailure(error)
            return false
        }
    }

    func commit() {
        cache.commit(file, validUntil: validUntil, bodyStart: file.bodyStart, bodyLength: bodyLength, storedAt: storedAt,
                     for: key, purgeEpoch: purgeEpoch)
    }
}
// ANCHOR_END: cache-file-writer
