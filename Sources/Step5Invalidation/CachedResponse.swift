import HTTPCore

// ANCHOR: cached-response
/// A response stored in a cache file, as the index knows it without opening the file: the
/// fields nginx keeps in its keys zone beside the use count (`valid_sec`, `body_start`, `fs_size`).
///
/// The status, fields and body are in the file; a HIT opens it and checks it before it sends
/// anything (`ResponseCache.openFile`), so nothing here is ever sent on its own word.
struct CachedResponse: Sendable, Equatable {
    /// The instant from which a request for this entry goes upstream again (`EXPIRED`).
    let validUntil: ContinuousClock.Instant
    /// What this entry counts against `--max-size`: its file's blocks on disk, or its length if
    /// that is more, as nginx counts them.
    let size: Int
    /// Where the body starts in the file: a HIT reads this many bytes to check the entry.
    let bodyStart: Int
    /// The body's length in bytes: what a GET answered with the whole entry sends.
    let bodyLength: Int
    /// When the response was stored, in Unix seconds (the file's `date`).
    let storedAt: Int64

    init(validUntil: ContinuousClock.Instant, size: Int, bodyStart: Int, bodyLength: Int = 0, storedAt: Int64 = 0) {
        self.validUntil = validUntil
        self.size = size
        self.bodyStart = bodyStart
        self.bodyLength = bodyLength
        self.storedAt = storedAt
    }

    /// Whether a request at `now` may be answered with this entry instead of asking the upstream.
    func isFresh(at now: ContinuousClock.Instant) -> Bool {
        now < validUntil
    }
}
// ANCHOR_END: cached-response
