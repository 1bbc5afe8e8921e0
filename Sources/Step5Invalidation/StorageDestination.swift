import HTTPCore

// ANCHOR: storage-destination
/// Where a relayed answer is stored while its body arrives: the seam between the forwarding
/// plumbing and a step's cache.
struct StorageDestination: Sendable {
    /// The most body bytes worth storing; a longer body is relayed but not stored.
    let maxBodySize: Int
    /// Begins storing one answer with this status, these end-to-end fields and, when announced,
    /// this body length; `nil` when it cannot be stored after all.
    let makeWriter: @Sendable (_ status: HTTPStatus, _ headerFields: HTTPFields, _ announcedLength: Int?) -> (any StorageWriter)?
}

/// One answer on its way into a cache: it receives the body piece by piece, then `commit()`.
///
/// A writer released without `commit()` (the body broke off, or passed `maxBodySize`) stores
/// nothing and keeps nothing: storing is all or nothing.
protocol StorageWriter: AnyObject {
    /// Adds the next piece of the body; `false` when the writer gave up and will store nothing.
    func append(_ piece: ArraySlice<UInt8>) -> Bool
    /// Stores the answer: called once, after its last byte arrived and before the client's copy
    /// ends, never for a body that broke off.
    func commit()
}
// ANCHOR_END: storage-destination
