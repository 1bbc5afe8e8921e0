import HTTPCore
import TestSupport

extension DeliberateDifference {
    /// Where Step3MinUses differs from nginx.
    static let step3: [DeliberateDifference] = [
        DeliberateDifference(
            sequence: ConformanceSequence(name: "Vary: Accept-Encoding", steps: ConformanceSequence.repeated(3, "/vary.jpg")),
            nginx: ["200 MISS", "200 MISS", "200 HIT"],
            step: ["200 MISS", "200 MISS", "200 MISS"],
            reason: "step 3 keeps one response per key; nginx keeps one per variant (a secondary key)"),
        DeliberateDifference(
            sequence: ConformanceSequence(name: "If-None-Match on a HIT", steps: ConformanceSequence.repeated(2, "/etag.jpg")
                + ConformanceSequence.repeated(1, "/etag.jpg", headerFields: ["If-None-Match": "\"v1\""])),
            nginx: ["200 MISS", "200 MISS", "304 HIT"],
            step: ["200 MISS", "200 MISS", "200 HIT"],
            reason: "step 3 answers a HIT in full; conditional requests were chapter 1's lesson, an exercise here"),
        DeliberateDifference(
            sequence: ConformanceSequence(name: "Range when the origin sends Accept-Ranges",
                                          steps: ConformanceSequence.repeated(3, "/ranges.jpg", headerFields: ["Range": "bytes=0-99"])),
            // The stub origin ignores Range, so nginx passes its first 200 through whole; from the
            // stored copy on, nginx cuts the range itself.
            nginx: ["200 MISS", "206 MISS", "206 HIT"],
            step: ["200 MISS", "200 MISS", "200 HIT"],
            reason: "step 3 answers with the whole stored response (RFC 9110 §14.2 lets a server ignore Range); byte ranges were chapter 1's lesson, an exercise here"),
        DeliberateDifference(
            sequence: ConformanceSequence(name: "Expires in the past, then Cache-Control: max-age=600",
                                          steps: ConformanceSequence.repeated(3, "/expires-then-max-age.jpg")),
            nginx: ["200 MISS", "200 MISS", "200 MISS"],
            step: ["200 MISS", "200 MISS", "200 HIT"],
            reason: "RFC 9111 §5.3: max-age wins over Expires; nginx lets an Expires that comes first veto storing"),
    ]
}
