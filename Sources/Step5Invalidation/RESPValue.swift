// ANCHOR: resp-value
/// One value of RESP, the Redis serialization protocol (version 2): what a command is sent as,
/// and what each reply is. <https://redis.io/docs/reference/protocol-spec/>
///
/// - `+OK\r\n`: a simple string; `-ERR unknown command\r\n`: an error;
/// - `:42\r\n`: an integer;
/// - `$5\r\nhello\r\n`: a bulk string, bytes of any kind, `$-1\r\n` for none;
/// - `*2\r\n…\r\n…`: an array of values, `*-1\r\n` for none.
enum RESPValue: Sendable, Equatable {
    case simpleString(String)
    case error(String)
    case integer(Int)
    case bulkString([UInt8]?)
    case array([RESPValue]?)

    /// A command as Redis takes it: an array of bulk strings.
    static func command(_ arguments: [String]) -> [UInt8] {
        var bytes = Array("*\(arguments.count)\r\n".utf8)
        for argument in arguments {
            let utf8 = Array(argument.utf8)
            bytes += Array("$\(utf8.count)\r\n".utf8) + utf8 + [13, 10]
        }
        return bytes
    }

    /// The text of a simple or bulk string.
    var text: String? {
        switch self {
        case .simpleString(let text): text
        case .bulkString(let bytes?): String(decoding: bytes, as: UTF8.self)
        default: nil
        }
    }
}
// ANCHOR_END: resp-value
