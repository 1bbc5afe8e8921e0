#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HTTPCore
import NginxCache
import Synchronization

/// `Step5Invalidation purge`: deletes entries from a cache directory, this proxy's or real nginx's, while
/// it serves or not: one key through its md5 path, or every key with a prefix or matching a
/// regular expression, found by reading each file's header and key line only.
enum PurgeCommand {
    static let usage = """
        usage: Step5Invalidation purge --cache-dir DIR [--levels LEVELS] [--dry-run] KEY
               Step5Invalidation purge --cache-dir DIR [--levels LEVELS] [--dry-run] --prefix TEXT
               Step5Invalidation purge --cache-dir DIR [--levels LEVELS] [--dry-run] --regex PATTERN

        Deletes cache entries. A KEY, such as 127.0.0.1:8000/1.jpg, names one file through the
        md5 of the key: no directory is read. --prefix and --regex (unanchored, Swift Regex
        syntax) read the key of every entry, and only the key, on every core. Temporary files and files of
        other versions are skipped, never deleted. A proxy serving the directory answers a
        purged key with a MISS that stores it again.

          --cache-dir DIR   the cache directory
          --levels LEVELS   its levels, as nginx's levels= (default 1:2)
          --prefix TEXT     every key that starts with TEXT
          --regex PATTERN   every key in which PATTERN matches
          --dry-run         list what would be deleted, and delete nothing
          -h, --help        show this help

        Exit status, as grep's: 0 something was deleted (or would be), 1 nothing matched,
        2 a usage error or a directory that cannot be read.
        """

    /// Which entries go.
    enum Selection: Sendable {
        case key(String)
        case prefix(String)
        /// A pattern already known to compile.
        case regex(String)

        /// A test of keys for this selection.
        func makeMatcher() -> (String) -> Bool {
            switch self {
            case .key(let wanted): return { $0 == wanted }
            case .prefix(let prefix): return { $0.hasPrefix(prefix) }
            case .regex(let pattern):
                guard let regex = try? Regex(pattern) else { return { _ in false } }
                return { (try? regex.firstMatch(in: $0)) != nil }
            }
        }
    }

    static let subcommand = Subcommand(name: "purge", summary: "delete entries by key, prefix or regular expression",
                                       usage: usage) { arguments throws(UsageError) in
        guard let directory = try arguments.value(of: "--cache-dir") else { throw .missingValue(option: "--cache-dir") }
        let levels = try arguments.value(of: "--levels", as: .cacheLevels) ?? .oneTwo
        let prefix = try arguments.value(of: "--prefix")
        let pattern = try arguments.value(of: "--regex")
        let isDryRun = try arguments.flag("--dry-run")
        let keys = try arguments.finish(allowingPositional: true)
        let selection: Selection
        switch (keys.count, prefix, pattern) {
        case (1, nil, nil): selection = .key(keys[0])
        case (0, let prefix?, nil): selection = .prefix(prefix)
        case (0, nil, let pattern?):
            guard (try? Regex(pattern)) != nil else {
                throw .invalidValue(option: "--regex", value: pattern, expected: "a regular expression")
            }
            selection = .regex(pattern)
        case (0, nil, nil): throw .missingArgument("KEY (or --prefix or --regex)")
        case (_, .some, .some): throw .conflictingOptions("--prefix", "--regex")
        case (let count, _, _) where count > 1: throw .unexpectedArgument(keys[1])
        default: throw .conflictingOptions("KEY", prefix != nil ? "--prefix" : "--regex")
        }
        let cache = CacheDirectory(path: directory, levels: levels)
        return { run(selection, in: cache, isDryRun: isDryRun) }
    }

    // ANCHOR: purge-command
    /// Deletes (or, in a dry run, lists) the selected entries; the exit status.
    static func run(_ selection: Selection, in directory: CacheDirectory, isDryRun: Bool) -> Int32 {
        var matched: [CacheLoader.LoadedEntry] = []
        if case .key(let key) = selection {
            // The md5 path: one file, no directory read; its key line is checked before it goes.
            let name = MD5(Array(key.utf8)).hex
            let path = directory.path + "/" + directory.levels.relativePath(ofFileNamed: name)
            if let entry = try? CacheLoader.loadEntry(at: path, name: name), entry.key.elementsEqual(key.utf8) {
                matched.append(entry)
            } else if !FileManager.default.fileExists(atPath: directory.path) {
                return fail("\(directory.path): no such directory")
            }
        } else {
            // Every entry's header and key line, read on every core (the cache loader's walk),
            // deleting nothing it finds invalid: temporary files and other versions stay.
            let found = Mutex<[CacheLoader.LoadedEntry]>([])
            do throws(CacheDirectory.WalkError) {
                _ = try CacheLoader.load(directory: directory, removingInvalidFiles: false) { batch in
                    let matches = selection.makeMatcher()  // a Regex is not Sendable: one per batch
                    let selected = batch.filter { matches(String(decoding: $0.key, as: UTF8.self)) }
                    found.withLock { $0 += selected }
                }
            } catch {
                return fail("\(error)")
            }
            matched = found.withLock { $0 }
        }
        matched.sort { $0.key.lexicographicallyPrecedes($1.key) }
        var deleted = 0
        for entry in matched {
            let key = String(decoding: entry.key, as: UTF8.self)
            if isDryRun {
                print("would delete \(key) (\(entry.path))")
            } else if unlink(entry.path) == 0 {
                print("deleted \(key) (\(entry.path))")
                deleted += 1
            } else if errno != ENOENT {  // gone meanwhile: someone else purged it
                FileHandle.standardError.write(Data("error: \(entry.path): \(String(cString: strerror(errno)))\n".utf8))
            }
        }
        let count = isDryRun ? matched.count : deleted
        let noun = count == 1 ? "entry" : "entries"
        print(isDryRun ? "a real run would delete \(count) \(noun)" : "deleted \(count) \(noun)")
        fflush(nil)
        return count > 0 ? 0 : 1
    }
    // ANCHOR_END: purge-command

    private static func fail(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return 2
    }
}
