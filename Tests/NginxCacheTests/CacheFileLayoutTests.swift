import NginxCache
import Testing

@Suite("Where nginx keeps a key's file, and the version-5 header", .timeLimit(.minutes(1)))
struct CacheFileLayoutTests {
    @Test("A key's file is the md5 of the key under its last hex digits (levels=1:2)", arguments: [
        ("127.0.0.1:18000/1.jpg", "5/7f/b37ddbaa7469e61f7b5caa77983547f5"),
        ("127.0.0.1:18000/2.jpg", "2/fc/ee7bb96c6ba157fd4a4546fa726d9fc2"),
        ("127.0.0.1:18000/3.jpg", "2/ba/e268c45ea4a3181ed401b0655696aba2"),
        ("127.0.0.1:18000/1.jpg?w=100", "3/5b/c379eb6660c5f1469bf4cf5404f8c5b3"),
        ("http://dev/upload/upload.txt", "7/c0/c2789c49835d6c5266484488f005fc07"),
    ])
    func pathOfKey(key: String, expected: String) {
        #expect(CacheLevels.oneTwo.relativePath(ofFileNamed: MD5(key).hex) == expected)
    }

    @Test("Every levels setting nginx accepts, and nginx's own documentation example", arguments: [
        ("1", "f/b7f54b2df7773722d382f4809d65029f"),
        ("2", "9f/b7f54b2df7773722d382f4809d65029f"),
        ("1:2", "f/29/b7f54b2df7773722d382f4809d65029f"),
        ("2:2:1", "9f/02/5/b7f54b2df7773722d382f4809d65029f"),
        ("1:1:1", "f/9/2/b7f54b2df7773722d382f4809d65029f"),
    ])
    func levels(text: String, expected: String) throws {
        let levels = try #require(CacheLevels(parsing: text))
        #expect(levels.relativePath(ofFileNamed: "b7f54b2df7773722d382f4809d65029f") == expected)
        #expect(levels.description == text)
        // nginx's documentation: levels=1:2 gives /data/nginx/cache/c/29/b7f54b2df7773722d382f4809d65029c.
        #expect(CacheLevels.oneTwo.relativePath(ofFileNamed: "b7f54b2df7773722d382f4809d65029c") == "c/29/b7f54b2df7773722d382f4809d65029c")
    }

    @Test("Anything else is not a levels setting", arguments: ["", "3", "0", "1:2:3", "1:2:1:1", "1:", ":2", "1,2", "a"])
    func badLevels(text: String) {
        #expect(CacheLevels(parsing: text) == nil)
    }

    @Test("The header is 336 bytes at nginx's offsets, and reads back as written")
    func headerRoundTrip() throws {
        let key = Array("127.0.0.1:18000/1.jpg".utf8)
        var header = CacheFileHeader(validUntil: 1_764_000_000, lastModified: -1, date: 1_763_996_400,
                                     keyChecksum: CRC32.checksum(key), headerStart: UInt16(336 + 6 + key.count + 1),
                                     bodyStart: 552)
        header.entityTag = Array("\"etag-1234\"".utf8)
        let bytes = header.encoded()
        #expect(bytes.count == 336)
        #expect(bytes[0..<8] == [5, 0, 0, 0, 0, 0, 0, 0])
        #expect(bytes[32..<40].allSatisfy { $0 == 0xFF })  // last_modified -1: no Last-Modified
        #expect(bytes[48..<52] == [0xB6, 0x8D, 0xD3, 0xEB])  // crc32 0xebd38db6, little-endian
        #expect(bytes[54..<56] == [0x6C, 0x01])  // header_start 364
        #expect(bytes[56..<58] == [0x28, 0x02])  // body_start 552
        #expect(bytes[58] == 11)
        #expect(try CacheFileHeader(decoding: bytes) == header)
    }

    @Test("A header of another version, a short one, or one with an impossible field length is refused")
    func badHeaders() {
        let good = CacheFileHeader(validUntil: 0, lastModified: 0, date: 0, keyChecksum: 0, headerStart: 350, bodyStart: 360).encoded()
        var version4 = good
        version4[0] = 4
        #expect(throws: CacheFileError.unsupportedVersion(4)) { try CacheFileHeader(decoding: version4) }
        #expect(throws: CacheFileError.tooShort) { try CacheFileHeader(decoding: good.prefix(335)) }
        var longTag = good
        longTag[58] = 129
        #expect(throws: CacheFileError.invalidFieldLength) { try CacheFileHeader(decoding: longTag) }
    }

    @Test("The key is read at its offset even when the header holds a newline byte")
    func keyWithNewlineInHeader() throws {
        let key = Array("127.0.0.1:18000/some.jpg".utf8)
        // A date whose low byte is 0x0A: a reader that searches for the first newline breaks here.
        let header = CacheFileHeader(validUntil: 0x0A0A, lastModified: -1, date: 0x6500_000A, keyChecksum: CRC32.checksum(key),
                                     headerStart: UInt16(336 + 6 + key.count + 1), bodyStart: UInt16(336 + 6 + key.count + 1 + 19))
        let file = header.encoded() + CacheKeyLine.encode(key) + Array("HTTP/1.1 200 OK\r\n\r\n".utf8)
        #expect(header.encoded().contains(0x0A))
        #expect(try CacheKeyLine.key(in: file, header: header) == key)
        var broken = header
        broken.headerStart = UInt16(file.count + 5)
        #expect(throws: CacheFileError.offsetsOutsideFile) { try CacheKeyLine.key(in: file, header: broken) }
        var misplaced = header
        misplaced.headerStart -= 1
        #expect(throws: CacheFileError.malformedKeyLine) { try CacheKeyLine.key(in: file, header: misplaced) }
    }
}
