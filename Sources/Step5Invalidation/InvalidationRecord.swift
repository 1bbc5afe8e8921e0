// ANCHOR: invalidation-record
/// What one invalidation call asked for and did: a line of the history, and the answer's body.
///
/// Imcaxy's field names where they mean the same thing, so that its clients read it. Each
/// invalidated image names the entry this cache deleted, not Imcaxy's processing parameters.
struct InvalidationRecord: Codable, Sendable, Equatable {
    /// One deleted entry.
    struct InvalidatedImage: Codable, Sendable, Equatable {
        /// The URL of the request that named its source, as the caller gave it.
        var source: String
        var key: String
        /// Its cache file.
        var path: String
        /// The bytes it counted against `--max-size`.
        var size: Int
        /// When it was stored, RFC 3339.
        var storedAt: String
    }

    var projectName: String
    var commitHash: String
    /// When the call was made, RFC 3339 in UTC.
    var invalidationDate: String
    /// The URLs asked for, in order, as given.
    var requestedInvalidations: [String]
    /// The URLs whose every variant was deleted: all of them unless a file could not be deleted.
    var doneInvalidations: [String]
    var invalidatedImages: [InvalidatedImage]
    /// What went wrong, one sentence per failure; `null` when nothing did.
    var invalidationError: String?

    private enum CodingKeys: String, CodingKey {
        case projectName, commitHash, invalidationDate, requestedInvalidations, doneInvalidations,
             invalidatedImages, invalidationError
    }

    init(projectName: String, commitHash: String, invalidationDate: String, requestedInvalidations: [String],
         doneInvalidations: [String] = [], invalidatedImages: [InvalidatedImage] = [], invalidationError: String? = nil) {
        self.projectName = projectName
        self.commitHash = commitHash
        self.invalidationDate = invalidationDate
        self.requestedInvalidations = requestedInvalidations
        self.doneInvalidations = doneInvalidations
        self.invalidatedImages = invalidatedImages
        self.invalidationError = invalidationError
    }

    /// Writes `invalidationError` as `null` when there is none, as Imcaxy does, rather than leaving it out.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(projectName, forKey: .projectName)
        try container.encode(commitHash, forKey: .commitHash)
        try container.encode(invalidationDate, forKey: .invalidationDate)
        try container.encode(requestedInvalidations, forKey: .requestedInvalidations)
        try container.encode(doneInvalidations, forKey: .doneInvalidations)
        try container.encode(invalidatedImages, forKey: .invalidatedImages)
        try container.encode(invalidationError, forKey: .invalidationError)
    }

    /// `2026-12-02T09:14:03Z`: Unix seconds as RFC 3339, in UTC, as the cache tool prints them.
    static func rfc3339(_ seconds: Int64) -> String {
        CacheEntryReport.rfc3339(seconds)
    }
}
// ANCHOR_END: invalidation-record
