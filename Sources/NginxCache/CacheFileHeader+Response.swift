import HTTPCore

extension CacheFileHeader {
    // ANCHOR: header-for-response
    /// The header nginx writes for a response with `headerFields` that arrived at `date` (Unix
    /// seconds) and stays fresh until `validUntil`; the key's crc32 and the offsets are filled in
    /// when the file is written (`PendingCacheFile`).
    ///
    /// As nginx fills them (checked against files it wrote): `last_modified` is the parsed
    /// `Last-Modified`, or -1 when there is none or it is not a date; the ETag is stored only when
    /// it fits its 128 bytes, and is left empty otherwise (it still reaches clients through the
    /// stored head). Vary is left empty: a cache that never stores a response with `Vary` has none.
    public init(storing headerFields: HTTPFields, date: Int64, validUntil: Int64) {
        let lastModified = headerFields["Last-Modified"].flatMap(HTTPDate.parse) ?? -1
        self.init(validUntil: validUntil, lastModified: lastModified, date: date, keyChecksum: 0,
                  headerStart: 0, bodyStart: 0)
        if let entityTag = headerFields["ETag"], entityTag.utf8.count <= Self.maxFieldLength {
            self.entityTag = Array(entityTag.utf8)
        }
    }
    // ANCHOR_END: header-for-response
}
