/// A fenced block in a chapter that a marker comment asks the docs check to verify.
///
/// Markers are HTML comments (invisible in rendered Markdown) on the line before the fence:
/// `<!-- code: PATH#REGION -->`, `<!-- diff: OLD#REGION NEW#REGION -->`,
/// `<!-- transcript: SCENARIO -->` (`<!-- transcript: SCENARIO continued -->` for one that goes on
/// with the servers of the block before it) or `<!-- servers: SCENARIO -->`.
struct CheckedBlock: Equatable, Sendable {
    /// What the block must match.
    enum Kind: Equatable, Sendable {
        /// A region of a source file (`region == nil`: the whole file), relative to the package root.
        case code(path: String, region: String?)
        /// Commands and their output, run against the servers of a named scenario: fresh ones, or,
        /// when `continuesPrevious`, those the transcript block before it ran against, in the state
        /// it left them (as a reader who follows the chapter has them).
        case transcript(scenario: String, continuesPrevious: Bool = false)
        /// The commands that start a scenario's servers, as a reader types them; they must be the
        /// scenario's own (executables and arguments), so what the chapter shows is what the
        /// check runs.
        case servers(scenario: String)
        /// The changes from one source region to another (`region == nil`: the whole file), as
        /// unified-diff hunks: how a step changed the code of the step before.
        case diff(oldPath: String, oldRegion: String?, newPath: String, newRegion: String?)
    }

    var kind: Kind
    /// The 1-based chapter line of the marker comment.
    var markerLine: Int
    /// The 1-based chapter line of the block's first content line (the line after the fence).
    var firstLine: Int
    /// The lines between the fences.
    var lines: [String]
}

/// A problem found in a chapter, with the 1-based line an author should look at.
struct DocsFinding: Error, Equatable, Sendable, CustomStringConvertible {
    var chapter: String
    var line: Int
    var message: String

    var description: String { "\(chapter):\(line): \(message)" }
}
