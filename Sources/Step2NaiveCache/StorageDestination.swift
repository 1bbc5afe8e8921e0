import HTTPCore

// ANCHOR: storage-destination
/// Where a relayed answer is stored once its whole body has arrived: the seam between the
/// forwarding plumbing and a step's cache.
struct StorageDestination: Sendable {
    /// The most body bytes worth collecting; a longer body is relayed but neither kept nor stored.
    let maxBodySize: Int
    /// Stores the complete answer; called once, after its last byte arrived and before the
    /// client's copy ends, never for a body that broke off.
    let store: @Sendable (_ status: HTTPStatus, _ headerFields: HTTPFields, _ body: [UInt8]) -> Void
}
// ANCHOR_END: storage-destination
