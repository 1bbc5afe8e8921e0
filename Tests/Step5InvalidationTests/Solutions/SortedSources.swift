// Chapter 5, exercise 2 (docs/solutions/05-invalidation.md): sources found by a prefix.

// ANCHOR: sorted-sources
/// Sources in byte order beside `SourceIndex`'s dictionary, so that every source under a prefix
/// is found by a binary search and a walk over the matches only.
///
/// Sources are normalised paths (`SourcePath`), percent-encoded ASCII, so byte order is the
/// order a reader expects. An array keeps the example short: an insert moves the sources after
/// it, which a B-tree would not.
struct SortedSources {
    private(set) var sources: [String] = []

    /// The index of the first source not before `text`.
    private func lowerBound(_ text: String) -> Int {
        var low = 0, high = sources.count
        while low < high {
            let middle = (low + high) / 2
            if sources[middle].utf8.lexicographicallyPrecedes(text.utf8) { low = middle + 1 } else { high = middle }
        }
        return low
    }

    mutating func insert(_ source: String) {
        let index = lowerBound(source)
        if index == sources.count || sources[index] != source { sources.insert(source, at: index) }
    }

    mutating func remove(_ source: String) {
        let index = lowerBound(source)
        if index < sources.count, sources[index] == source { sources.remove(at: index) }
    }

    /// Every source that starts with `prefix`, in order: O(log n + k) for k of them.
    func withPrefix(_ prefix: String) -> ArraySlice<String> {
        let start = lowerBound(prefix)
        var end = start
        while end < sources.count, sources[end].utf8.starts(with: prefix.utf8) { end += 1 }
        return sources[start..<end]
    }
}
// ANCHOR_END: sorted-sources
