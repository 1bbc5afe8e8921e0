// ANCHOR: resp-parser
/// Reads RESP values from bytes as they arrive: `parse(_:)` gives a whole value and how many
/// bytes it took, `nil` while the value is still incomplete, or throws for bytes that are not
/// RESP. Limits keep a hostile or broken server from making it allocate without bound.
enum RESPParser {
    /// Why bytes are not a RESP value.
    enum Malformed: Error, Equatable, CustomStringConvertible {
        case unknownType(UInt8)
        case badLine(String)
        case badLength(String)
        case tooLarge(String)
        case tooDeep

        var description: String {
            switch self {
            case .unknownType(let byte): "unknown type byte 0x\(String(byte, radix: 16))"
            case .badLine(let reason): "bad line: \(reason)"
            case .badLength(let text): "bad length \(text)"
            case .tooLarge(let what): "\(what) over the limit"
            case .tooDeep: "arrays nested too deep"
            }
        }
    }

    /// The longest line (a simple string, an error, a number) read.
    static let maxLineLength = 64 << 10
    /// The largest bulk string: Redis's own limit (`proto-max-bulk-len`, 512 MB).
    static let maxBulkLength = 512 << 20
    static let maxArrayCount = 1 << 20
    static let maxDepth = 8

    /// The first whole value in `bytes` and the number of bytes it took; `nil` if more are needed.
    static func parse(_ bytes: ArraySlice<UInt8>) throws(Malformed) -> (value: RESPValue, length: Int)? {
        var index = bytes.startIndex
        guard let value = try parseValue(bytes, at: &index, depth: 0) else { return nil }
        return (value, index - bytes.startIndex)
    }

    private static func parseValue(_ bytes: ArraySlice<UInt8>, at index: inout Int, depth: Int) throws(Malformed) -> RESPValue? {
        guard depth <= maxDepth else { throw .tooDeep }
        guard index < bytes.endIndex else { return nil }
        let type = bytes[index]
        var cursor = index + 1
        guard let line = try readLine(bytes, at: &cursor) else { return nil }
        let value: RESPValue
        switch type {
        case UInt8(ascii: "+"):
            value = .simpleString(String(decoding: line, as: UTF8.self))
        case UInt8(ascii: "-"):
            value = .error(String(decoding: line, as: UTF8.self))
        case UInt8(ascii: ":"):
            value = .integer(try integer(line))
        case UInt8(ascii: "$"):
            let length = try integer(line)
            if length == -1 {
                value = .bulkString(nil)
                break
            }
            guard length >= 0 else { throw .badLength(String(decoding: line, as: UTF8.self)) }
            guard length <= maxBulkLength else { throw .tooLarge("bulk string of \(length) bytes") }
            guard bytes.endIndex - cursor >= length + 2 else { return nil }
            guard bytes[cursor + length] == 13, bytes[cursor + length + 1] == 10 else {
                throw .badLine("a bulk string not followed by CRLF")
            }
            value = .bulkString(Array(bytes[cursor..<(cursor + length)]))
            cursor += length + 2
        case UInt8(ascii: "*"):
            let count = try integer(line)
            if count == -1 {
                value = .array(nil)
                break
            }
            guard count >= 0 else { throw .badLength(String(decoding: line, as: UTF8.self)) }
            guard count <= maxArrayCount else { throw .tooLarge("array of \(count) values") }
            var elements: [RESPValue] = []
            // No reserveCapacity(count): a hostile count would allocate before a byte of it came.
            for _ in 0..<count {
                guard let element = try parseValue(bytes, at: &cursor, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            value = .array(elements)
        default:
            throw .unknownType(type)
        }
        index = cursor
        return value
    }

    /// The line from `index` to its CRLF (excluded), moving `index` past the CRLF; `nil` when the
    /// CRLF has not arrived.
    private static func readLine(_ bytes: ArraySlice<UInt8>, at index: inout Int) throws(Malformed) -> ArraySlice<UInt8>? {
        var end = index
        while end < bytes.endIndex, bytes[end] != 10 {
            guard end - index < maxLineLength else { throw .tooLarge("line") }
            end += 1
        }
        guard end < bytes.endIndex else {
            guard end - index <= maxLineLength else { throw .tooLarge("line") }
            return nil
        }
        guard end > index, bytes[end - 1] == 13 else { throw .badLine("LF without CR") }
        let line = bytes[index..<(end - 1)]
        index = end + 1
        return line
    }

    private static func integer(_ line: ArraySlice<UInt8>) throws(Malformed) -> Int {
        guard let number = Int(String(decoding: line, as: UTF8.self)) else {
            throw .badLength(String(decoding: line.prefix(40), as: UTF8.self))
        }
        return number
    }
}
// ANCHOR_END: resp-parser
