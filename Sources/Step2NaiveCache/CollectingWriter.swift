import HTTPCore

// ANCHOR: collecting-writer
/// A writer that collects the body in memory and hands the whole answer to `store`: the cache
/// of this step keeps its entries in memory.
final class CollectingWriter: StorageWriter {
    private let status: HTTPStatus
    private let headerFields: HTTPFields
    private var body: [UInt8] = []
    private let store: @Sendable (_ status: HTTPStatus, _ headerFields: HTTPFields, _ body: [UInt8]) -> Void

    init(status: HTTPStatus, headerFields: HTTPFields, announcedLength: Int?, maxBodySize: Int,
         store: @escaping @Sendable (HTTPStatus, HTTPFields, [UInt8]) -> Void) {
        self.status = status
        self.headerFields = headerFields
        self.store = store
        // Why reserve exactly the announced length: a stored array keeps its spare capacity,
        // which a size bound does not count. It is the upstream's word, so it is reserved only
        // within the limit and up to 64 MiB: a bogus length cannot allocate more before a byte came.
        if let announcedLength, announcedLength <= maxBodySize { body.reserveCapacity(min(announcedLength, 64 << 20)) }
    }

    func append(_ piece: ArraySlice<UInt8>) -> Bool {
        body.append(contentsOf: piece)
        return true
    }

    func commit() {
        store(status, headerFields, body)
    }
}

extension StorageDestination {
    /// A destination that collects each answer's body in memory, up to `maxBodySize` bytes, and
    /// hands the complete answer to `store`.
    init(maxBodySize: Int, store: @escaping @Sendable (_ status: HTTPStatus, _ headerFields: HTTPFields, _ body: [UInt8]) -> Void) {
        self.init(maxBodySize: maxBodySize) { status, headerFields, announcedLength in
            CollectingWriter(status: status, headerFields: headerFields, announcedLength: announcedLength,
                             maxBodySize: maxBodySize, store: store)
        }
    }
}
// ANCHOR_END: collecting-writer
