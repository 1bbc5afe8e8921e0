#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NginxCache
import Synchronization
import Testing
import TestSupport
@testable import Step5Invalidation

/// The watcher behind `watch`, in process, on a directory the test writes with nginx's own steps:
/// level directories made, a temporary file written, renamed into place.
@Suite("The cache watcher reports each entry stored or removed exactly once", .timeLimit(.minutes(1)))
struct CacheWatcherTests {
    /// A watcher running on its own thread, and the events it reported so far.
    final class Running: Sendable {
        let watcher: CacheWatcher
        private let events = Mutex<[CacheWatcher.Event]>([])
        private let finished = DispatchSemaphore(value: 0)

        init(_ directory: String) throws {
            watcher = try CacheWatcher(directory: CacheDirectory(path: directory, levels: .oneTwo))
            Thread { [self] in
                watcher.run { event in events.withLock { $0.append(event) } }
                finished.signal()
            }.start()
        }

        var reported: [CacheWatcher.Event] { events.withLock { $0 } }

        /// Waits (at most ten seconds) until `count` events are in; the events then.
        func waitFor(_ count: Int) -> [CacheWatcher.Event] {
            let deadline = ContinuousClock.now + .seconds(10)
            while reported.count < count, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.005) }
            return reported
        }

        func stop() {
            watcher.stop()
            finished.wait()
        }
    }

    /// Stores an entry for `key` as nginx does; its path.
    static func store(_ key: String, in directory: String) throws -> String {
        let pending = try PendingCacheFile(cacheDirectory: directory, levels: .oneTwo, key: Array(key.utf8),
                                           header: CacheFileHeader(storing: [:], date: 0, validUntil: 3_600),
                                           storedHead: Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n".utf8))
        try pending.append([0x41, 0x42])
        return try pending.commit()
    }

    @Test("Entries stored while their level directories are being made are each reported once, as are their removals")
    func newDirectoriesUnderLoad() throws {
        // Each key lands in a level directory made just before its file is renamed into place:
        // the watcher adds a watch to the new directory and lists it while files arrive in it, so
        // the same file can show up both in the listing and as a rename event.
        let directory = try TemporaryDirectory()
        let running = try Running(directory.path)
        defer { running.stop() }
        let keys = (0..<1_000).map { "127.0.0.1:8000/\($0).jpg" }
        var paths: [String: String] = [:]
        for key in keys { paths[key] = try Self.store(key, in: directory.path) }
        let stored = running.waitFor(keys.count)
        #expect(Self.problems(in: stored, kind: .stored, paths: paths) == [])
        for path in paths.values { unlink(path) }
        let removed = Array(running.waitFor(2 * keys.count).dropFirst(stored.count))
        #expect(Self.problems(in: removed, kind: .removed, paths: paths) == [])
    }

    /// What is wrong with `events` as the report of one `kind` of event for each key of `paths`:
    /// keys reported twice, keys missing, events of the other kind or with the wrong path.
    static func problems(in events: [CacheWatcher.Event], kind: CacheWatcher.Event.Kind,
                         paths: [String: String]) -> [String] {
        let reported = Dictionary(grouping: events, by: { $0.key ?? "(unknown key)" })
        var problems = reported.filter { $0.value.count > 1 }.keys.map { "\($0) reported \(reported[$0]!.count) times" }
        problems += paths.keys.filter { reported[$0] == nil }.map { "\($0) not reported" }
        problems += events.filter { $0.kind != kind || paths[$0.key ?? ""] != $0.path }.map(\.text)
        return problems.sorted()
    }

    @Test("An entry replaced in place is reported again; one already there at the start is counted, not reported")
    func replacedEntry() throws {
        let directory = try TemporaryDirectory()
        let path = try Self.store("127.0.0.1:8000/1.jpg", in: directory.path)
        let running = try Running(directory.path)
        defer { running.stop() }
        #expect(running.watcher.entryCount == 1)
        #expect(try Self.store("127.0.0.1:8000/1.jpg", in: directory.path) == path)
        let events = running.waitFor(1)
        #expect(events == [CacheWatcher.Event(kind: .stored, key: "127.0.0.1:8000/1.jpg", path: path)])
        unlink(path)
        #expect(running.waitFor(2).last == CacheWatcher.Event(kind: .removed, key: "127.0.0.1:8000/1.jpg", path: path))
    }
}
