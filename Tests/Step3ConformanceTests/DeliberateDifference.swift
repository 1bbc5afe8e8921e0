import HTTPCore
import Testing
import TestSupport

/// A sequence where Step3MinUses answers differently from nginx on purpose: both answers are
/// pinned down, so the difference is documented by a test instead of hidden.
struct DeliberateDifference: Sendable, CustomTestStringConvertible {
    let sequence: ConformanceSequence
    /// Each response as `status X-Proxy-Cache` (`-` for none), e.g. `200 HIT`.
    let nginx: [String]
    let step3: [String]
    /// Why step 3 does not do what nginx does.
    let reason: String

    var testDescription: String { sequence.name }

    static let all: [DeliberateDifference] = [
        DeliberateDifference(
            sequence: ConformanceSequence(name: "Vary: Accept-Encoding", steps: ConformanceSequence.repeated(3, "/vary.jpg")),
            nginx: ["200 MISS", "200 MISS", "200 HIT"],
            step3: ["200 MISS", "200 MISS", "200 MISS"],
            reason: "step 3 keeps one response per key; nginx keeps one per variant (a secondary key)"),
        DeliberateDifference(
            sequence: ConformanceSequence(name: "If-None-Match on a HIT", steps: ConformanceSequence.repeated(2, "/etag.jpg")
                + ConformanceSequence.repeated(1, "/etag.jpg", headerFields: ["If-None-Match": "\"v1\""])),
            nginx: ["200 MISS", "200 MISS", "304 HIT"],
            step3: ["200 MISS", "200 MISS", "200 HIT"],
            reason: "step 3 answers a HIT in full; conditional requests were chapter 1's lesson, an exercise here"),
        DeliberateDifference(
            sequence: ConformanceSequence(name: "Range when the origin sends Accept-Ranges",
                                          steps: ConformanceSequence.repeated(3, "/ranges.jpg", headerFields: ["Range": "bytes=0-99"])),
            // The stub origin ignores Range, so nginx passes its first 200 through whole; from the
            // stored copy on, nginx cuts the range itself.
            nginx: ["200 MISS", "206 MISS", "206 HIT"],
            step3: ["200 MISS", "200 MISS", "200 HIT"],
            reason: "step 3 answers with the whole stored response (RFC 9110 §14.2 lets a server ignore Range); byte ranges were chapter 1's lesson, an exercise here"),
        DeliberateDifference(
            sequence: ConformanceSequence(name: "Expires in the past, then Cache-Control: max-age=600",
                                          steps: ConformanceSequence.repeated(3, "/expires-then-max-age.jpg")),
            nginx: ["200 MISS", "200 MISS", "200 MISS"],
            step3: ["200 MISS", "200 MISS", "200 HIT"],
            reason: "RFC 9111 §5.3: max-age wins over Expires; nginx lets an Expires that comes first veto storing"),
    ]
}
