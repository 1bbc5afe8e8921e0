/// Where invalidation records are kept and read back: a file of lines on one machine
/// (`InvalidationHistory`), Redis for a fleet (`FleetLog`).
protocol InvalidationStore: Sendable {
    /// Records `record`; when this returns, the record is kept.
    func append(_ record: InvalidationRecord) throws
    /// The newest record of `project`, if it has one.
    func latest(of project: String) throws -> InvalidationRecord?
    /// Up to `limit` records of `project`, newest first.
    func records(of project: String, limit: Int) throws -> [InvalidationRecord]
}
