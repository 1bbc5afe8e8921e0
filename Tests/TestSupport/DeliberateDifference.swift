import Testing

/// A sequence where a step answers differently from nginx on purpose: both answers are pinned
/// down, so the difference is documented by a test instead of hidden.
public struct DeliberateDifference: Sendable, CustomTestStringConvertible {
    public let sequence: ConformanceSequence
    /// Each response as `status X-Proxy-Cache` (`-` for none), e.g. `200 HIT`.
    public let nginx: [String]
    /// The step's answers, in the same form.
    public let step: [String]
    /// Why the step does not do what nginx does.
    public let reason: String

    public init(sequence: ConformanceSequence, nginx: [String], step: [String], reason: String) {
        self.sequence = sequence
        self.nginx = nginx
        self.step = step
        self.reason = reason
    }

    public var testDescription: String { sequence.name }
}
