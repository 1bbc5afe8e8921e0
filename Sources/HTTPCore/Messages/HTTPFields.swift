/// The header fields of a message, in the order received, duplicates kept (RFC 9110 §5.3).
///
/// Lookup by name is case-insensitive (RFC 9110 §5.1). Values are stored as received, without
/// leading or trailing whitespace.
public struct HTTPFields: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    /// One header field line.
    ///
    /// A value is opaque bytes (RFC 9110 §5.5): obs-text may be in any charset. `value` is the
    /// value as text; when the bytes received are not UTF-8, `value` shows them with U+FFFD and
    /// `receivedBytes` keeps them, so that a proxy passes them on exactly as received.
    public struct Field: Sendable, Equatable {
        public var name: String
        /// The value as text. Setting it forgets `receivedBytes`.
        public var value: String {
            didSet { receivedBytes = nil }
        }
        /// The value's bytes as received, kept only when they are not valid UTF-8.
        public private(set) var receivedBytes: [UInt8]?

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }

        /// A field whose value is `bytes` as received: text if they are UTF-8, kept as bytes if not.
        public init(name: String, valueBytes bytes: some Collection<UInt8>) {
            self.name = name
            if let text = String(validating: bytes, as: UTF8.self) {
                value = text
            } else {
                value = String(decoding: bytes, as: UTF8.self)
                receivedBytes = Array(bytes)
            }
        }

        /// Whether the field may be written as it is: a name that is a token (RFC 9110 §5.1) and a
        /// value of HTAB, SP, VCHAR and obs-text only (RFC 9110 §5.5). A CR, LF or NUL that came
        /// from a hostile file name or key would otherwise end the field, or the head, early.
        public var isValid: Bool {
            guard !name.isEmpty, name.utf8.allSatisfy(HTTPHeadScanner.ASCII.isTokenCharacter) else { return false }
            if let receivedBytes { return receivedBytes.allSatisfy(HTTPHeadScanner.ASCII.isFieldValueCharacter) }
            return value.utf8.allSatisfy(HTTPHeadScanner.ASCII.isFieldValueCharacter)
        }

        /// Appends `name: value` and CRLF, the value as received, to `head` (RFC 9112 §5).
        public func serialize(into head: inout [UInt8]) {
            head.append(contentsOf: name.utf8)
            head.append(contentsOf: ": ".utf8)
            if let receivedBytes { head.append(contentsOf: receivedBytes) } else { head.append(contentsOf: value.utf8) }
            head.append(contentsOf: "\r\n".utf8)
        }
    }

    private var storage: [Field] = []

    public init() {}

    public init(_ fields: [Field]) { storage = fields }

    public init(dictionaryLiteral elements: (String, String)...) {
        storage = elements.map { Field(name: $0.0, value: $0.1) }
    }

    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.isEmpty }

    public func makeIterator() -> IndexingIterator<[Field]> { storage.makeIterator() }

    /// The first value of the field `name`, or all values joined with ", " when it repeats
    /// (RFC 9110 §5.3). Set-Cookie must be read with `values(for:)` instead.
    /// Assigning replaces every line of that name; assigning `nil` removes them.
    public subscript(name: String) -> String? {
        get {
            var result: String?
            for field in storage where field.name.equalsIgnoringASCIICase(name) {
                result = result.map { $0 + ", " + field.value } ?? field.value
            }
            return result
        }
        set {
            var replaced = false
            var result: [Field] = []
            result.reserveCapacity(storage.count + 1)
            for field in storage {
                guard field.name.equalsIgnoringASCIICase(name) else {
                    result.append(field)
                    continue
                }
                if let newValue, !replaced {
                    result.append(Field(name: field.name, value: newValue))
                    replaced = true
                }
            }
            if let newValue, !replaced { result.append(Field(name: name, value: newValue)) }
            storage = result
        }
    }

    /// Every value of the field `name`, one per line, in order.
    public func values(for name: String) -> [String] {
        storage.filter { $0.name.equalsIgnoringASCIICase(name) }.map(\.value)
    }

    /// Every comma-separated element of the field `name` across all its lines (RFC 9110 §5.6.1),
    /// trimmed, empty elements dropped.
    public func listElements(for name: String) -> [String] {
        values(for: name).flatMap { value in
            value.split(separator: ",").map { $0.trimmingOWS() }.filter { !$0.isEmpty }
        }
    }

    /// Whether a line named `name` is present.
    public func contains(_ name: String) -> Bool {
        storage.contains { $0.name.equalsIgnoringASCIICase(name) }
    }

    /// Appends a line, keeping any existing lines of the same name.
    public mutating func append(name: String, value: String) {
        storage.append(Field(name: name, value: value))
    }

    /// Whether a message of `version` with these fields lets its connection stay open
    /// (RFC 9112 §9.3): HTTP/1.1 unless `Connection: close`; HTTP/1.0 only with
    /// `Connection: keep-alive`. The same rule for requests and responses.
    public func allowKeepAlive(in version: HTTPVersion) -> Bool {
        let options = listElements(for: "Connection")
        if options.contains(where: { $0.equalsIgnoringASCIICase("close") }) { return false }
        if version == .http1_1 { return true }
        return options.contains(where: { $0.equalsIgnoringASCIICase("keep-alive") })
    }

    /// Removes every line for which `shouldRemove` returns true.
    public mutating func removeAll(where shouldRemove: (Field) throws -> Bool) rethrows {
        try storage.removeAll(where: shouldRemove)
    }
}
