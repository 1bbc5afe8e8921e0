import Foundation
import Synchronization

// ANCHOR: fleet-log
/// A fleet's shared history, in Redis: every node reads and writes the same records, so every
/// node answers `GET /lastInvalidation` alike, and a node that missed records can read them.
///
/// The keys:
/// - `step5:log`, a list of every record, all projects, in the order they were accepted: a
///   record's position (from 1) is its sequence number, which nodes apply in order;
/// - `step5:history:<project>`, a list of the project's records, newest last;
/// - `step5:fleet-id`, set once: a node that finds another id knows the log was lost (a Redis
///   without persistence restarted) and starts over from its first record;
/// - the channel `step5:invalidations`: a message after each record, so nodes need not poll.
///
/// One command connection, under a lock, opened on first use and again after a failure; every
/// call has a deadline (`RESPConnection.timeout`).
final class FleetLog: InvalidationStore, @unchecked Sendable {
    // @unchecked: `connection` is read and written only while `lock` is held.
    static let logKey = "step5:log"
    static let idKey = "step5:fleet-id"
    static let channel = "step5:invalidations"
    static func historyKey(_ project: String) -> String { "step5:history:" + project }

    let address: FleetAddress
    private let password: String?
    /// The command connection, under `lock`.
    private nonisolated(unsafe) var connection: RESPConnection?
    private let lock = NSLock()

    init(address: FleetAddress, password: String?) {
        self.address = address
        self.password = password
    }

    /// Opens a new connection to the fleet's Redis (for a subscriber, which needs its own).
    func connect() throws(RESPConnection.CallError) -> RESPConnection {
        try RESPConnection(host: address.host, port: address.port, password: password, database: address.database)
    }

    /// Appends `record` to the log and to its project's history, and tells every node, in one
    /// transaction (`MULTI`/`EXEC`: no node sees the log without the message, nor the other way
    /// round); its sequence number.
    func append(record: InvalidationRecord) throws(RESPConnection.CallError) -> Int {
        let json = Self.encode(record)
        let reply = try withConnection { connection throws(RESPConnection.CallError) in
            _ = try connection.call(["MULTI"])
            _ = try connection.call(["RPUSH", Self.logKey, json])
            _ = try connection.call(["RPUSH", Self.historyKey(record.projectName), json])
            _ = try connection.call(["PUBLISH", Self.channel, "new"])
            return try connection.call(["EXEC"])
        }
        guard case .array(let results?) = reply, case .integer(let sequence) = results.first else {
            throw .malformed(.badLine("EXEC answered \(reply)"))
        }
        return sequence
    }

    func append(_ record: InvalidationRecord) throws {
        _ = try append(record: record)
    }

    func latest(of project: String) throws -> InvalidationRecord? {
        let reply = try withConnection { connection throws(RESPConnection.CallError) in
            try connection.call(["LINDEX", Self.historyKey(project), "-1"])
        }
        guard case .bulkString(let bytes?) = reply else { return nil }
        return try? JSONDecoder().decode(InvalidationRecord.self, from: Data(bytes))
    }

    func records(of project: String, limit: Int) throws -> [InvalidationRecord] {
        let reply = try withConnection { connection throws(RESPConnection.CallError) in
            try connection.call(["LRANGE", Self.historyKey(project), String(-limit), "-1"])
        }
        return Self.decodeList(reply).reversed()
    }

    /// The records after the first `sequence` ones, at most `limit`, with their sequence numbers.
    func entries(after sequence: Int, limit: Int = 1_000) throws(RESPConnection.CallError) -> [(sequence: Int, record: InvalidationRecord)] {
        let reply = try withConnection { connection throws(RESPConnection.CallError) in
            try connection.call(["LRANGE", Self.logKey, String(sequence), String(sequence + limit - 1)])
        }
        return Self.decodeList(reply).enumerated().map { (sequence + $0.offset + 1, $0.element) }
    }

    /// The fleet's id: set by the first node that asks, the same for all after that.
    func fleetID() throws(RESPConnection.CallError) -> String {
        let reply = try withConnection { connection throws(RESPConnection.CallError) in
            _ = try connection.call(["SET", Self.idKey, UUID().uuidString, "NX"])
            return try connection.call(["GET", Self.idKey])
        }
        guard let id = reply.text else { throw .malformed(.badLine("no fleet id")) }
        return id
    }

    /// Runs `body` on the command connection, opening it if needed; a connection that failed
    /// (anything but an error reply) is dropped, so the next call opens a new one.
    private func withConnection(_ body: (RESPConnection) throws(RESPConnection.CallError) -> RESPValue) throws(RESPConnection.CallError) -> RESPValue {
        lock.lock()
        defer { lock.unlock() }
        let open: RESPConnection
        if let existing = connection {
            open = existing
        } else {
            open = try connect()
            connection = open
        }
        do {
            return try body(open)
        } catch {
            if case .server = error {} else { connection = nil }
            throw error
        }
    }

    static func encode(_ record: InvalidationRecord) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(record)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    private static func decodeList(_ reply: RESPValue) -> [InvalidationRecord] {
        guard case .array(let items?) = reply else { return [] }
        return items.compactMap { item in
            guard case .bulkString(let bytes?) = item else { return nil }
            return try? JSONDecoder().decode(InvalidationRecord.self, from: Data(bytes))
        }
    }
}
// ANCHOR_END: fleet-log
