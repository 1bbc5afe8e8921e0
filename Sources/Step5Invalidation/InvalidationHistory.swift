#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

// ANCHOR: history
/// Every invalidation call, one JSON record per line in a file: appended, flushed with `fsync(2)`
/// before the call is answered, and read back at start-up.
///
/// Its guarantees:
/// - a record whose call was answered survives a crash of the process or the machine: `write`
///   then `fsync`, then the answer;
/// - a crash during a write leaves at most one torn last line (a record without its newline);
///   the next start reports it, cuts it off, and keeps every earlier record;
/// - a line that is not a record (edited by hand, another program) is reported and skipped;
/// - memory holds the newest `keptPerProject` records of each project; the file keeps all.
///
/// Imcaxy keeps its history in MongoDB; a file of lines needs no server, and `tail`, `grep` and
/// `jq` read it.
final class InvalidationHistory: InvalidationStore {
    /// Why the history cannot be used; each case is one line.
    enum HistoryError: Error, Equatable, CustomStringConvertible {
        case system(call: String, path: String, errno: Int32)

        var description: String {
            switch self {
            case .system(let call, let path, let code): "\(call) \(path): \(String(cString: strerror(code)))"
            }
        }
    }

    /// The newest records kept in memory per project: what `/invalidations?limit=` can return.
    static let keptPerProject = 1_000

    let path: String
    private struct State {
        var descriptor: Int32
        /// Per project, oldest first.
        var records: [String: [InvalidationRecord]] = [:]
    }
    private let state: Mutex<State>

    /// Opens `path` (created, mode 0600, if missing), reads the records in it, and cuts off a torn
    /// last line; problems go to `report`, one line each.
    init(path: String, report: @Sendable (String) -> Void) throws(HistoryError) {
        self.path = path
        let existed = access(path, F_OK) == 0
        let descriptor = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .system(call: "open", path: path, errno: errno) }
        var state = State(descriptor: descriptor)
        do {
            try Self.read(descriptor, path: path, into: &state.records, report: report)
            // A new file's name must survive a crash too: its directory is flushed once.
            if !existed { Self.syncDirectory(of: path) }
        } catch {
            close(descriptor)
            throw error
        }
        self.state = Mutex(state)
    }

    deinit {
        _ = state.withLock { close($0.descriptor) }
    }

    /// Appends `record` and flushes it to the disk: when this returns, the record survives a crash.
    /// A write that fails is undone (the file cut back), so no torn line stays behind it.
    func append(_ record: InvalidationRecord) throws(HistoryError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let line = ((try? encoder.encode(record)).map(Array.init) ?? []) + [UInt8(ascii: "\n")]
        try state.withLock { state throws(HistoryError) in
            let start = lseek(state.descriptor, 0, SEEK_END)
            var written = 0
            while written < line.count {
                let result = line.withUnsafeBytes { write(state.descriptor, $0.baseAddress! + written, line.count - written) }
                if result < 0 {
                    if errno == EINTR { continue }
                    let code = errno
                    if start >= 0 { ftruncate(state.descriptor, start) }
                    throw .system(call: "write", path: path, errno: code)
                }
                written += result
            }
            guard fsync(state.descriptor) == 0 else { throw .system(call: "fsync", path: path, errno: errno) }
            Self.keep(record, in: &state.records)
        }
    }

    /// The newest record of `project`, if it has one.
    func latest(of project: String) -> InvalidationRecord? {
        state.withLock { $0.records[project]?.last }
    }

    /// Up to `limit` records of `project`, newest first.
    func records(of project: String, limit: Int) -> [InvalidationRecord] {
        state.withLock { Array(($0.records[project] ?? []).suffix(limit).reversed()) }
    }
    // ANCHOR_END: history

    // MARK: - Reading at start-up

    // ANCHOR: history-read
    /// Reads every record of the open file; a final line without its newline is a write cut
    /// short by a crash: reported, and cut off so the next record starts on a line of its own.
    private static func read(_ descriptor: Int32, path: String, into records: inout [String: [InvalidationRecord]],
                             report: (String) -> Void) throws(HistoryError) {
        let decoder = JSONDecoder()
        var pending: [UInt8] = []
        var offset: Int64 = 0
        var lineNumber = 0
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .system(call: "read", path: path, errno: errno)
            }
            if count == 0 { break }
            offset += Int64(count)
            pending += chunk[..<count]
            var lineStart = 0
            while let newline = pending[lineStart...].firstIndex(of: UInt8(ascii: "\n")) {
                lineNumber += 1
                let line = pending[lineStart..<newline]
                if !line.isEmpty {
                    if let record = try? decoder.decode(InvalidationRecord.self, from: Data(line)) {
                        keep(record, in: &records)
                    } else {
                        report("history: \(path) line \(lineNumber) is not an invalidation record; skipped")
                    }
                }
                lineStart = newline + 1
            }
            pending.removeFirst(lineStart)
        }
        guard !pending.isEmpty else { return }
        report("history: \(path) ends in an incomplete line of \(pending.count) bytes (a write cut short); cut off")
        guard ftruncate(descriptor, off_t(offset - Int64(pending.count))) == 0 else {
            throw .system(call: "ftruncate", path: path, errno: errno)
        }
        fsync(descriptor)
    }
    // ANCHOR_END: history-read

    private static func keep(_ record: InvalidationRecord, in records: inout [String: [InvalidationRecord]]) {
        records[record.projectName, default: []].append(record)
        if records[record.projectName]!.count > keptPerProject {
            records[record.projectName]!.removeFirst(records[record.projectName]!.count - keptPerProject)
        }
    }

    private static func syncDirectory(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let descriptor = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
