/// The validators of one representation (RFC 9110 §8.8), which conditional requests compare with.
public struct Validators: Sendable, Equatable {
    /// The representation's entity tag, if it has one.
    public var entityTag: EntityTag?
    /// Its last modification, in whole seconds since the Unix epoch, if known.
    public var lastModified: Int64?

    public init(entityTag: EntityTag?, lastModified: Int64?) {
        self.entityTag = entityTag
        self.lastModified = lastModified
    }
}
