#if canImport(Glibc)
import Glibc
#endif
import NginxCache

// Chapter 4, exercise 5 (docs/solutions/04-purge.md): removing the level directories a purge emptied.

// ANCHOR: remove-empty-levels
extension CacheDirectory {
    /// Removes the level directories above the entry file at `path` that are now empty, deepest
    /// first, stopping at the first that is not (`rmdir(2)` removes only an empty directory, so a
    /// directory that holds any file, temporary ones included, stays). The cache directory itself
    /// always stays. Returns how many went.
    @discardableResult
    func removeEmptyLevelDirectories(above path: String) -> Int {
        var directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        var removed = 0
        while directory.count > self.path.count, directory.hasPrefix(self.path + "/"), rmdir(directory) == 0 {
            removed += 1
            directory = String(directory[..<(directory.lastIndex(of: "/") ?? directory.startIndex)])
        }
        return removed
    }
}
// ANCHOR_END: remove-empty-levels
