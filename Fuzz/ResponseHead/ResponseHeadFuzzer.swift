// libFuzzer target: the response-head parser, on bytes from a misbehaving upstream. Built and
// run by scripts/fuzz.sh response-head.

/// One input: whole and incremental parses agree, for the answer to a GET and to a HEAD.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzResponseHead(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for method in [HTTPMethod.get, .head] {
        var parser = HTTPResponseParser(requestMethod: method)
        checkIncrementalAgreesWithWhole(bytes, whole: { (bytes) throws(HTTPParseError) in
            try HTTPResponseParser.parseHead(bytes, requestMethod: method)
        }, incremental: &parser)
    }
    return 0
}
