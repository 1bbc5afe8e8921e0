#if canImport(Glibc)
import Glibc
#endif

/// A cache directory laid out as nginx lays it out, walked as nginx's cache loader walks it:
/// every name at the depth the levels give, sorted into entries, temporary files and strays.
///
/// Only names are read here (`readdir`, with the file type it reports), never a file's content:
/// 100,000 entries are walked about as fast as `find` lists them. What an entry holds is
/// `CacheFile`'s to check.
public struct CacheDirectory: Sendable {
    /// One name found in the directory.
    public enum Item: Equatable, Sendable {
        /// A file named by an md5 in the directory its name belongs to. `directory` is the open
        /// descriptor of that directory, valid only while `visit` runs: opening the file relative
        /// to it (`openat`) spares the kernel the walk down the whole path.
        case entry(path: String, name: String, directory: Int32)
        /// A temporary file, `<md5>.<counter>`, left by a write that never finished.
        case temporary(path: String)
        /// Anything else where an entry could be: a bad name, a file in the wrong directory, a
        /// directory or symlink where a file belongs, a file where a level directory belongs.
        case stray(path: String)
    }

    public let path: String
    public let levels: CacheLevels

    public init(path: String, levels: CacheLevels = .oneTwo) {
        self.path = path
        self.levels = levels
    }

    /// Creates the cache directory, and any missing directory above it, with mode 0700 (the
    /// entries are other people's responses); an existing one is left as it is.
    public func createIfMissing() throws(WalkError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0, errno != EEXIST { throw WalkError(path: prefix, errno: errno) }
        }
        var info = stat()
        guard stat(path, &info) == 0 else { throw WalkError(path: path, errno: errno) }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { throw WalkError(path: path, errno: ENOTDIR) }
    }

    /// Calls `visit` for every name at or above the entries' depth, in no particular order.
    ///
    /// - Throws: the errno of a directory that cannot be opened; a missing cache directory is `ENOENT`.
    public func walk(_ visit: (Item) -> Void) throws(WalkError) {
        try walk(directory: path, depth: 0, expectedSuffix: "", visit)
    }

    /// The names of the first level's directories, so that each can be walked on its own (on
    /// several threads: `walk(firstLevelDirectory:_:)`); anything else at the first level goes to
    /// `visit` as a stray.
    public func firstLevelDirectories(_ visit: (Item) -> Void) throws(WalkError) -> [String] {
        var names: [String] = []
        try walk(directory: path, depth: 0, expectedSuffix: "", visit) { names.append($0) }
        return names
    }

    /// Calls `visit` for every name under the first-level directory `name`, as `walk` would.
    public func walk(firstLevelDirectory name: String, _ visit: (Item) -> Void) throws(WalkError) {
        try walk(directory: path + "/" + name, depth: 1, expectedSuffix: name, visit)
    }

    /// Why a walk stopped.
    public struct WalkError: Error, Equatable, Sendable, CustomStringConvertible {
        public var path: String
        public var errno: Int32

        public init(path: String, errno: Int32) {
            self.path = path
            self.errno = errno
        }

        public var description: String { "\(path): \(String(cString: strerror(errno)))" }
    }

    /// Walks `directory`, `depth` levels down; with `onLevelDirectory`, a level directory is handed
    /// to it instead of being walked.
    private func walk(directory: String, depth: Int, expectedSuffix: String, _ visit: (Item) -> Void,
                      onLevelDirectory: ((String) -> Void)? = nil) throws(WalkError) {
        guard let stream = opendir(directory) else { throw WalkError(path: directory, errno: errno) }
        defer { closedir(stream) }
        let isLevel = depth < levels.digitsPerLevel.count
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let child = directory + "/" + name
            var type = Int(entry.pointee.d_type)
            // Some file systems do not report the type in the directory: ask for it then.
            if type == DT_UNKNOWN {
                var info = stat()
                if lstat(child, &info) == 0 {
                    let format = info.st_mode & S_IFMT
                    type = format == S_IFDIR ? DT_DIR : format == S_IFREG ? DT_REG : DT_LNK
                }
            }
            if isLevel {
                // A level directory is named by the digits its level takes.
                let digits = levels.digitsPerLevel[depth]
                guard type == DT_DIR, name.utf8.count == digits, name.utf8.allSatisfy(Self.isLowercaseHex) else {
                    visit(.stray(path: child))
                    continue
                }
                if let onLevelDirectory {
                    onLevelDirectory(name)
                } else {
                    try walk(directory: child, depth: depth + 1, expectedSuffix: name + expectedSuffix, visit)
                }
            } else if let dot = name.utf8.firstIndex(of: UInt8(ascii: ".")),
                      Self.isEntryName(name.utf8[..<dot], suffix: expectedSuffix.utf8), type == DT_REG {
                visit(.temporary(path: child))
            } else if type == DT_REG, Self.isEntryName(name.utf8[...], suffix: expectedSuffix.utf8) {
                visit(.entry(path: child, name: name, directory: dirfd(stream)))
            } else {
                visit(.stray(path: child))
            }
        }
    }

    /// Whether `name` is 32 lowercase hex digits ending in `suffix`, the level directories' digits.
    ///
    /// Why bytes: a walk checks every name of a cache that may hold millions, and comparing
    /// UTF-8 bytes skips the grapheme handling that `String` comparisons do.
    private static func isEntryName(_ name: Substring.UTF8View, suffix: String.UTF8View) -> Bool {
        name.count == 32 && name.allSatisfy(isLowercaseHex) && name.reversed().starts(with: suffix.reversed())
    }

    /// Whether `name` can be an entry's file name: 32 lowercase hex digits (a temporary file's
    /// name has a dot and a counter after them).
    public static func isEntryName(_ name: String) -> Bool {
        isEntryName(name.utf8[...], suffix: "".utf8)
    }

    private static func isLowercaseHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}
