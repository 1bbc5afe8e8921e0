#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HTTPCore
import NginxCache

/// `Step5Invalidation watch DIR`: follows a live cache directory, this proxy's or real nginx's, and
/// prints one line per entry that appears or goes away, with its key.
///
/// It watches every level directory with inotify. An entry appears when a temporary file is
/// renamed into place (`IN_MOVED_TO`: both nginx and this proxy write that way), and goes away
/// when it is deleted or renamed elsewhere; creations and writes are temporary files, ignored.
/// The key of an entry that went is the one read when it appeared (or at the start), since its
/// file can no longer be read.
enum WatchCommand {
    static let usage = """
        usage: Step5Invalidation watch [--levels LEVELS] [--json] DIR

        Follows a cache directory: one line per entry stored (renamed into place) or removed,
        with its key, until SIGINT or SIGTERM (exit status 0). The first line says how many
        entries were there when it started.

          --levels LEVELS  the directory's levels, as nginx's levels= (default 1:2)
          --json           one JSON object per line instead
          -h, --help       show this help
        """

    static let subcommand = Subcommand(name: "watch", summary: "print entries as they are stored and removed",
                                       usage: usage) { arguments throws(UsageError) in
        let levels = try arguments.value(of: "--levels", as: .cacheLevels) ?? .oneTwo
        let json = try arguments.flag("--json")
        let paths = try arguments.finish(allowingPositional: true)
        guard paths.count == 1 else { throw paths.isEmpty ? .missingArgument("DIR") : .unexpectedArgument(paths[1]) }
        let directory = CacheDirectory(path: paths[0], levels: levels)
        return { run(directory, json: json) }
    }

    /// Watches until SIGINT or SIGTERM; the exit status.
    static func run(_ directory: CacheDirectory, json: Bool) -> Int32 {
        let watcher: CacheWatcher
        do {
            watcher = try CacheWatcher(directory: directory)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            return 2
        }
        let signals = ShutdownSignals { watcher.stop() }
        let count = watcher.entryCount
        print(json ? #"{"event":"watching","directory":"\#(directory.path)","entries":\#(count)}"#
                   : "watching \(directory.path): \(count) \(count == 1 ? "entry" : "entries")")
        fflush(nil)
        Thread {
            watcher.run { event in
                print(json ? event.json : event.text)
                fflush(nil)
            }
        }.start()
        signals.waitForSignal()
        return 0
    }
}
