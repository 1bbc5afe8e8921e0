// libFuzzer target: the chunked decoder (RFC 9112 §7.1), on bytes from either side. Built and
// run by scripts/fuzz.sh chunked-body.

/// What decoding gave: the content, the bytes used and completion, or the error.
private struct Decoded: Equatable {
    var content: [UInt8] = []
    var consumed = 0
    var isComplete = false
    var error: HTTPParseError?
}

/// Decodes `bytes` handed over in pieces that end at `splits`, as reads would deliver them;
/// unconsumed bytes are handed again with the next piece, as the connection's buffer does.
private func decode(_ bytes: [UInt8], splits: [Int], maxContentLength: Int?) -> Decoded {
    var decoder = ChunkedDecoder(maxContentLength: maxContentLength)
    var result = Decoded()
    for end in splits + [bytes.count] where end >= result.consumed {
        do {
            result.consumed += try decoder.decode(bytes[result.consumed..<end], into: &result.content)
        } catch {
            // After an error only the error matters: the message is rejected whole.
            return Decoded(error: error)
        }
        if result.consumed > end { fatalError("consumed \(result.consumed) of \(end) bytes") }
        if decoder.isComplete {
            result.isComplete = true
            return result
        }
    }
    return result
}

/// One input: decoded in one piece and in pieces the input chooses, the outcome is the same,
/// and the content never exceeds the limit.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChunkedBody(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var splits: [Int] = []
    var position = 0
    while position < bytes.count {
        position += 1 + Int(bytes[position] % 11)
        if position < bytes.count { splits.append(position) }
    }
    for limit in [nil, 64] as [Int?] {
        let whole = decode(bytes, splits: [], maxContentLength: limit)
        let pieces = decode(bytes, splits: splits, maxContentLength: limit)
        if whole != pieces { fatalError("whole: \(whole); in pieces: \(pieces)") }
        if let limit, whole.content.count > limit { fatalError("content over the limit") }
    }
    return 0
}
