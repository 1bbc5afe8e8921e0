// Shared by the head parsers' fuzz targets: what a parse gave, and the property both parsers
// promise, checked on every input the fuzzer makes.

/// What one parse call gave, comparable.
enum HeadOutcome<Head: Equatable>: Equatable {
    case incomplete
    case parsed(Head, HTTPBodyFraming, headLength: Int)
    case failed(HTTPParseError)

    init(_ parse: () throws(HTTPParseError) -> (head: Head, framing: HTTPBodyFraming, headLength: Int)?) {
        do {
            guard let result = try parse() else {
                self = .incomplete
                return
            }
            self = .parsed(result.head, result.framing, headLength: result.headLength)
        } catch {
            self = .failed(error)
        }
    }
}

/// Checks the parsers' contract on `bytes`: parsed whole, and fed to one incremental parser in
/// pieces whose sizes the input's own bytes choose, both give the same outcome; a parsed head
/// never claims more bytes than there are. A broken promise stops the process, which is what
/// libFuzzer reports as a crash.
func checkIncrementalAgreesWithWhole<Head: Equatable>(
    _ bytes: [UInt8],
    whole: (ArraySlice<UInt8>) throws(HTTPParseError) -> (head: Head, framing: HTTPBodyFraming, headLength: Int)?,
    incremental: inout some IncrementalParser<Head>
) {
    let expected = HeadOutcome { () throws(HTTPParseError) in try whole(bytes[...]) }
    if case .parsed(_, _, let headLength) = expected {
        if headLength <= 0 || headLength > bytes.count { fatalError("head length \(headLength) of \(bytes.count) bytes") }
    }
    var fed = 0
    var outcome = HeadOutcome<Head>.incomplete
    while outcome == .incomplete, fed < bytes.count {
        fed = min(bytes.count, fed + 1 + Int(bytes[fed] % 13))
        outcome = HeadOutcome { () throws(HTTPParseError) in try incremental.parse(bytes[..<fed]) }
    }
    if outcome != expected { fatalError("fed in pieces: \(outcome); whole: \(expected)") }
}

/// A parser that resumes on longer prefixes of one head (both head parsers are).
protocol IncrementalParser<Head> {
    associatedtype Head: Equatable
    mutating func parse(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) -> (head: Head, framing: HTTPBodyFraming, headLength: Int)?
}

extension HTTPRequestParser: IncrementalParser {}
extension HTTPResponseParser: IncrementalParser {}
