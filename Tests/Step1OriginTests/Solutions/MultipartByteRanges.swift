import HTTPCore

// Chapter 1, exercise 2 (docs/solutions/01-origin.md): several ranges in one 206.

// ANCHOR: multipart
/// The parts of a `multipart/byteranges` answer (RFC 9110 §14.6), and its body.
struct MultipartByteRanges: Equatable {
    /// The offsets of each part, in the order the client asked for them.
    let parts: [ClosedRange<Int64>]
    /// The representation's length and type, repeated in every part's head.
    let length: Int64
    let contentType: String
    /// Separates the parts; it must not occur in the body, so it is random.
    let boundary: String

    /// The parts a `Range` value asks for, or `nil` when the whole representation is the better
    /// answer: fewer than two satisfiable ranges (one is a plain 206, none a 416), more than
    /// `limit` (nginx's `max_ranges`), or ranges that overlap (RFC 9110 §14.2 lets a server
    /// ignore them: `bytes=0-,0-,0-…` would send the file once per range).
    init?(range: String, length: Int64, contentType: String, limit: Int = 16,
          boundary: String = String(UInt64.random(in: 0...UInt64.max), radix: 16)) {
        guard let set = ByteRange.parseRangeSet(range), set.count <= limit else { return nil }
        let parts = set.compactMap { $0.offsets(inSize: length) }
        guard parts.count >= 2 else { return nil }
        let sorted = parts.sorted { $0.lowerBound < $1.lowerBound }
        guard zip(sorted, sorted.dropFirst()).allSatisfy({ $0.upperBound < $1.lowerBound }) else { return nil }
        self.parts = parts
        self.length = length
        self.contentType = contentType
        self.boundary = boundary
    }

    /// The answer's `Content-Type`.
    var fieldValue: String { "multipart/byteranges; boundary=" + boundary }

    /// The head of each part and the end, in order: the body is `heads[0]`, part 0's bytes,
    /// `heads[1]`, … , part n-1's bytes, `heads[n]`. Their lengths and the parts' give the
    /// `Content-Length` before a byte is read, so the parts can go out with `sendfile`.
    var heads: [[UInt8]] {
        let partHeads = parts.map { part in
            Array("\r\n--\(boundary)\r\nContent-Type: \(contentType)\r\nContent-Range: bytes \(part.lowerBound)-\(part.upperBound)/\(length)\r\n\r\n".utf8)
        }
        return partHeads + [Array("\r\n--\(boundary)--\r\n".utf8)]
    }

    /// The whole body, for a representation held in memory.
    func body(of bytes: [UInt8]) -> [UInt8] {
        var body: [UInt8] = []
        for (head, part) in zip(heads, parts) {
            body += head + bytes[Int(part.lowerBound)...Int(part.upperBound)]
        }
        return body + heads[parts.count]
    }

    /// The body's length.
    var contentLength: Int64 {
        heads.reduce(0) { $0 + Int64($1.count) } + parts.reduce(0) { $0 + $1.upperBound - $1.lowerBound + 1 }
    }
}
// ANCHOR_END: multipart
