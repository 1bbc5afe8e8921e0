import HTTPCore

// ANCHOR: shared-fetches
/// The upstream answers on their way, by key: where a miss finds the fetch it may follow, or
/// becomes the leader of a new one (`SharedFetch`).
///
/// One lock, taken once per miss (never on a HIT) and for the removal of a finished fetch.
final class SharedFetches: Sendable {
    /// What a miss does.
    enum Role {
        /// Ask the upstream, and share the answer through this fetch.
        case leader(SharedFetch)
        /// Answer from the fetch another miss leads.
        case follower(SharedFetch.Ticket)
        /// Ask the upstream alone: a conditional or a range request with nothing to follow.
        case alone
    }

    private let fetches = Lock<[CacheKey: SharedFetch]>([:])
    /// The most body bytes a fetch keeps for its followers (`SharedFetch.window`).
    let window: Int
    /// How long a leader waits for a follower that fell `window` bytes behind.
    let stallTimeout: Duration

    init(window: Int = 1 << 20, stallTimeout: Duration = .seconds(60)) {
        self.window = window
        self.stallTimeout = stallTimeout
    }

    /// The role of a miss of `key`: a follower of the fetch in flight for it, if that one began
    /// after the last purge or invalidation of `key` (`isPurged(since:)` says) and can still be
    /// joined; otherwise the leader of a new fetch if it `canLead` (a GET or HEAD with no range or
    /// conditional field: it asks for the whole response, with GET, and reads the body every
    /// follower needs), begun at `purgeEpoch`.
    func role(for key: CacheKey, readsBody: Bool, canLead: Bool, purgeEpoch: UInt64,
              isPurged: (_ since: UInt64) -> Bool) -> Role {
        fetches.withLock { fetches in
            if let current = fetches[key], !isPurged(current.purgeEpoch), let ticket = current.join(readsBody: readsBody) {
                return .follower(ticket)
            }
            guard canLead else { return .alone }
            let fetch = SharedFetch(purgeEpoch: purgeEpoch, window: window, stallTimeout: stallTimeout)
            fetches[key] = fetch
            return .leader(fetch)
        }
    }

    /// Forgets `fetch`, ended, unless another has taken its key's place since.
    func remove(_ fetch: SharedFetch, for key: CacheKey) {
        fetches.withLock { fetches in
            if fetches[key] === fetch { fetches[key] = nil }
        }
    }

    /// The number of fetches in flight.
    var count: Int {
        fetches.withLock { $0.count }
    }

    /// How many misses have joined the fetch in flight for `key` (for tests and diagnostics).
    func followerCount(of key: CacheKey) -> Int {
        fetches.withLock { $0[key]?.followerCount ?? 0 }
    }
}
// ANCHOR_END: shared-fetches
