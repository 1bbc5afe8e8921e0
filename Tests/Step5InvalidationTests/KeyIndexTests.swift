import HTTPCore
import Testing
@testable import Step5Invalidation
import NginxCache

@Suite("The key index: use counts, LRU order and its three bounds, on a clock the test controls", .timeLimit(.minutes(1)))
struct KeyIndexTests {
    private let start = ContinuousClock.now

    private func key(_ target: String) -> CacheKey {
        CacheKey(proxyHost: "origin.test", target: target)
    }

    /// An entry whose file counts `size` bytes, fresh for an hour from `start`.
    private func entry(size: Int) -> CachedResponse {
        CachedResponse(validUntil: start + .seconds(3_600), size: size, bodyStart: 400)
    }

    private func makeIndex(minUses: Int = 2, maxSize: Int = 1_000, keys: Int = 100,
                           inactive: Duration = .seconds(600)) -> KeyIndex {
        KeyIndex(minUses: minUses, maxSize: maxSize, keysZoneSize: keys * KeyIndex.bytesPerKey, inactive: inactive)
    }

    /// A compact name for a lookup outcome.
    private func name(_ lookup: CacheLookup) -> String {
        switch lookup {
        case .hit: "HIT"
        case .expired: "EXPIRED"
        case .miss(let isAdmitted): isAdmitted ? "MISS(store)" : "MISS"
        }
    }

    @Test("The nth use admits the key; an entry is a HIT until validUntil, then EXPIRED")
    func lookups() {
        var index = makeIndex(minUses: 3)
        let a = key("/a")
        #expect((0..<3).map { name(index.use(a, at: start + .seconds($0))) } == ["MISS", "MISS", "MISS(store)"])
        index.store(CachedResponse(validUntil: start + .seconds(10), size: 1, bodyStart: 400), for: a)
        #expect(name(index.use(a, at: start + .seconds(9))) == "HIT")
        #expect(name(index.use(a, at: start + .seconds(10))) == "EXPIRED")
        #expect(index.uses(of: a) == 5)
    }

    @Test("A use moves the key to the recently used end")
    func order() {
        var index = makeIndex()
        for (second, target) in ["/a", "/b", "/c", "/a"].enumerated() {
            _ = index.use(key(target), at: start + .seconds(second))
        }
        #expect(index.keysFromOldest == [key("/b"), key("/c"), key("/a")])
    }

    @Test("Keys idle for longer than inactive are forgotten, entry and count, on the next use of any key")
    func inactive() {
        var index = makeIndex(inactive: .seconds(10))
        _ = index.use(key("/a"), at: start)
        _ = index.use(key("/a"), at: start)
        index.store(entry(size: 100), for: key("/a"))
        _ = index.use(key("/b"), at: start + .seconds(5))
        // Exactly `inactive` after its last use, a key is still remembered; a moment later it is not.
        _ = index.use(key("/c"), at: start + .seconds(10))
        #expect(index.keysFromOldest == [key("/a"), key("/b"), key("/c")])
        _ = index.use(key("/c"), at: start + .seconds(10) + .milliseconds(1))
        #expect(index.keysFromOldest == [key("/b"), key("/c")])
        #expect(index.entryCount == 0)
        #expect(index.storedBytes == 0)
        #expect(index.uses(of: key("/a")) == 0)
    }

    @Test("A full zone forgets the least recently used key to make room for a new one")
    func keysZone() {
        var index = makeIndex(keys: 2)
        _ = index.use(key("/a"), at: start)
        _ = index.use(key("/b"), at: start)
        _ = index.use(key("/a"), at: start)
        _ = index.use(key("/c"), at: start)
        #expect(index.keysFromOldest == [key("/a"), key("/c")])
        #expect(index.uses(of: key("/a")) == 2)
    }

    @Test("A key's text counts against the zone beyond 15 bytes: long keys fill it sooner, and a vacant slot keeps no text")
    func longKeysCountTheirBytes() {
        let long = String(repeating: "q", count: 1_000)
        #expect(KeyIndex.zoneBytes(for: CacheKey(proxyHost: "a", target: "/1234567890123")) == KeyIndex.bytesPerKey)
        #expect(KeyIndex.zoneBytes(for: CacheKey(proxyHost: "a", target: "/12345678901234")) == KeyIndex.bytesPerKey + 16)
        // A zone of 100 short keys holds 8 keys of about 1 KB.
        var index = makeIndex(keys: 100)
        for n in 0..<50 { _ = index.use(key("/\(n)?\(long)"), at: start) }
        #expect(index.keyCount == 100 * KeyIndex.bytesPerKey / KeyIndex.zoneBytes(for: key("/10?\(long)")))
        #expect(index.zoneBytesUsed <= 100 * KeyIndex.bytesPerKey)
        // A key larger than the whole zone is never remembered, so never admitted.
        var tiny = makeIndex(minUses: 1, keys: 1)
        #expect(name(tiny.use(key("/\(long)"), at: start)) == "MISS")
        #expect(tiny.keyCount == 0)
    }

    @Test("Stores beyond maxSize forget the oldest nodes, with or without entries; an entry of exactly maxSize fits")
    func maxSize() {
        var index = makeIndex(minUses: 1, maxSize: 1_000)
        for target in ["/counted-only", "/a", "/b"] {
            _ = index.use(key(target), at: start)
        }
        index.store(entry(size: 400), for: key("/a"))
        index.store(entry(size: 400), for: key("/b"))
        #expect(index.storedBytes == 800)
        _ = index.use(key("/c"), at: start)
        index.store(entry(size: 400), for: key("/c"))
        #expect(index.keysFromOldest == [key("/b"), key("/c")])
        #expect(index.storedBytes == 800)
        // Replacing an entry counts only the difference.
        index.store(entry(size: 600), for: key("/c"))
        #expect(index.storedBytes == 1_000)
        #expect(index.entryCount == 2)
        _ = index.use(key("/d"), at: start)
        index.store(entry(size: 1_000), for: key("/d"))
        #expect(index.keysFromOldest == [key("/d")])
        #expect(index.storedBytes == 1_000)
        _ = index.use(key("/e"), at: start)
        index.store(entry(size: 1_001), for: key("/e"))
        #expect(index.entry(for: key("/e")) == nil)
        #expect(index.entry(for: key("/d")) != nil)
    }

    @Test("Nothing is stored for a key that was forgotten while its response was on the way")
    func storeForForgottenKey() {
        var index = makeIndex(minUses: 1, keys: 1)
        _ = index.use(key("/a"), at: start)
        _ = index.use(key("/b"), at: start)
        index.store(entry(size: 10), for: key("/a"))
        #expect(index.entryCount == 0)
        #expect(index.keysFromOldest == [key("/b")])
    }

    @Test("Slots of forgotten keys are reused, and the list stays consistent through many evictions")
    func churn() {
        var index = makeIndex(minUses: 1, maxSize: 5_000, keys: 50)
        for n in 0..<2_000 {
            let target = "/\(n % 173)"
            if case .miss(true) = index.use(key(target), at: start + .milliseconds(n)) {
                index.store(entry(size: 100 + n % 300), for: key(target))
            }
            #expect(index.storedBytes <= 5_000)
            #expect(index.keyCount <= 50)
        }
        let keys = index.keysFromOldest
        #expect(keys.count == index.keyCount)
        #expect(Set(keys).count == keys.count)
        #expect(keys.last == key("/\(1_999 % 173)"))
        #expect(keys.compactMap { index.entry(for: $0)?.size }.reduce(0, +) == index.storedBytes)
    }

    // MARK: - Files

    @Test("Every entry forgotten with its node is queued as a file to delete, once")
    func removedEntriesAreQueued() {
        var index = makeIndex(minUses: 1, maxSize: 1_000, inactive: .seconds(10))
        for target in ["/a", "/b", "/c"] {
            _ = index.use(key(target), at: start)
            index.store(entry(size: 400), for: key(target))  // /c's store evicts /a
        }
        let result1 = index.takeRemovedEntries()
        #expect(result1 == [key("/a")])
        let result2 = index.takeRemovedEntries()
        #expect(result2.isEmpty)
        _ = index.use(key("/d"), at: start + .seconds(11))  // /b and /c are inactive by now
        let removed = index.takeRemovedEntries()
        #expect(Set(removed) == [key("/b"), key("/c")])
        // A key forgotten without an entry leaves no file to delete.
        _ = index.use(key("/e"), at: start + .seconds(30))
        let result3 = index.takeRemovedEntries()
        #expect(result3.isEmpty)
    }

    @Test("Loaded entries join at the least recently used end; one that does not fit is refused")
    func loadedEntries() {
        // Room for four nodes' worth: /requested's key is long enough to count its text too.
        var index = makeIndex(maxSize: 1_000, keys: 4)
        _ = index.use(key("/requested"), at: start + .seconds(5))
        let result4 = index.load(entry(size: 400), for: key("/x"), loadedAt: start)
        #expect(result4)
        let result5 = index.load(entry(size: 400), for: key("/y"), loadedAt: start)
        #expect(result5)
        #expect(index.keysFromOldest == [key("/y"), key("/x"), key("/requested")])
        let result6 = index.load(entry(size: 400), for: key("/z"), loadedAt: start)
        #expect(!result6)  // over maxSize
        let lookup = index.use(key("/x"), at: start + .seconds(6))
        #expect(name(lookup) == "HIT")
        // One more key does not fit in the zone: the least recently used, /y, goes, file and all.
        _ = index.use(key("/new"), at: start + .seconds(7))
        let result7 = index.takeRemovedEntries()
        #expect(result7 == [key("/y")])
        #expect(index.storedBytes == 400)
    }

    @Test("A loaded entry for a key already counted keeps the count; an entry already stored is not replaced")
    func loadedEntryForAKnownKey() {
        var index = makeIndex()
        let a = key("/a")
        _ = index.use(a, at: start)
        let result8 = index.load(entry(size: 100), for: a, loadedAt: start)
        #expect(result8)
        #expect(index.uses(of: a) == 1)
        #expect(index.entry(for: a)?.size == 100)
        let result9 = index.load(entry(size: 200), for: a, loadedAt: start)
        #expect(result9)
        #expect(index.entry(for: a)?.size == 100)
    }

    @Test("A discarded entry keeps its key's count, and only the entry the caller saw is discarded")
    func discardEntry() {
        var index = makeIndex(minUses: 1)
        let a = key("/a")
        _ = index.use(a, at: start)
        let first = entry(size: 100)
        index.store(first, for: a)
        let second = CachedResponse(validUntil: start + .seconds(60), size: 300, bodyStart: 400)
        index.store(second, for: a)
        let result10 = index.discardEntry(first, for: a)
        #expect(!result10)
        #expect(index.entry(for: a) == second)
        let result11 = index.discardEntry(second, for: a)
        #expect(result11)
        #expect(index.entry(for: a) == nil && index.storedBytes == 0 && index.entryCount == 0)
        #expect(index.uses(of: a) == 1)
    }
}
