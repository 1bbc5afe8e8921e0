// libFuzzer target: the request-head parser, on bytes from strangers. Built and run by
// scripts/fuzz.sh request-head.

/// One input: whole and incremental parses agree, with the default limits and with tight ones
/// (so the fuzzer reaches every limit's edge with short inputs).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestHead(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let tight = HTTPParserLimits(maxRequestLineLength: 40, maxHeaderSectionLength: 64, maxHeaderFieldCount: 3,
                                 maxContentLength: 100)
    for limits in [HTTPParserLimits.default, tight] {
        var parser = HTTPRequestParser(limits: limits)
        checkIncrementalAgreesWithWhole(bytes, whole: { (bytes) throws(HTTPParseError) in
            try HTTPRequestParser.parseHead(bytes, limits: limits)
        }, incremental: &parser)
    }
    return 0
}
