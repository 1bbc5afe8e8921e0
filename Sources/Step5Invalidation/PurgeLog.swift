// ANCHOR: purge-log
/// The recent purges and invalidations, numbered, so that a response whose upstream request began before a purge
/// of its key is relayed but never stored: the purge wins over a miss in flight.
///
/// A miss notes `epoch` before it asks the upstream; when its file is about to be committed,
/// `hasPurged(_:since:)` says whether a purge matching its key came after. Only the last
/// `capacity` purges are remembered: a miss older than all of them is treated as purged, which
/// costs one refill at worst and never keeps a purged response. Not safe to share between
/// threads: `ResponseCache` keeps it under the index's lock.
struct PurgeLog: Sendable {
    /// What one purge dropped.
    enum Match: Sendable, Equatable {
        case key(CacheKey)
        /// Every key that starts with this text.
        case prefix(String)
        /// Every variant of a source image (`SourceIndex.sources(of:sourceParameter:)`).
        case source(SourcePath, sourceParameter: String?)

        func matches(_ key: CacheKey) -> Bool {
            switch self {
            case .key(let purged): purged == key
            case .prefix(let prefix): key.rawValue.hasPrefix(prefix)
            case .source(let source, let sourceParameter):
                SourceIndex.sources(of: key, sourceParameter: sourceParameter).contains(source)
            }
        }
    }

    /// The number of the last purge; 0 before the first.
    private(set) var epoch: UInt64 = 0
    private var recent: [(epoch: UInt64, match: Match)] = []
    let capacity: Int

    init(capacity: Int = 1_024) {
        self.capacity = capacity
    }

    /// Records a purge and returns its number.
    @discardableResult
    mutating func record(_ match: Match) -> UInt64 {
        epoch += 1
        recent.append((epoch, match))
        if recent.count > capacity { recent.removeFirst(recent.count - capacity) }
        return epoch
    }

    /// Whether a purge numbered after `start` matches `key`.
    func hasPurged(_ key: CacheKey, since start: UInt64) -> Bool {
        guard start < epoch else { return false }
        // Purges after `start` that are no longer remembered: assume one of them matched.
        if let oldest = recent.first?.epoch, oldest > start + 1 { return true }
        return recent.contains { $0.epoch > start && $0.match.matches(key) }
    }
}
// ANCHOR_END: purge-log
