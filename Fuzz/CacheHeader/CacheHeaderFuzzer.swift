// libFuzzer target: the cache file header and key line decoders, on files a cache directory
// may hold (written by nginx, by this code, by hand, or cut short). Built and run by
// scripts/fuzz.sh cache-header.

/// One input: decoding never traps; a decoded header encodes to bytes that decode to the same
/// header; a key, when one is read, lies inside the input before `header_start`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCacheHeader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let header = try? CacheFileHeader(decoding: bytes) else { return 0 }
    let reencoded = header.encoded()
    if reencoded.count != CacheFileHeader.size { fatalError("encoded \(reencoded.count) bytes") }
    if (try? CacheFileHeader(decoding: reencoded)) != header { fatalError("the header does not survive a round trip") }
    if let key = try? CacheKeyLine.key(in: bytes, header: header) {
        let expectedLength = Int(header.headerStart) - 1 - CacheFileHeader.size - CacheKeyLine.prefix.count
        if key.count != expectedLength { fatalError("key of \(key.count) bytes, expected \(expectedLength)") }
        _ = CRC32.checksum(key) == header.keyChecksum
        _ = MD5(key).hex
    }
    return 0
}
