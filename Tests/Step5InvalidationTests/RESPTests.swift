import Foundation
import HTTPCore
import Testing
import TestSupport
@testable import Step5Invalidation

@Suite("RESP, the Redis protocol: values read exactly, bad bytes refused, a broken server an error", .timeLimit(.minutes(1)))
struct RESPTests {
    @Test("Each kind of value, read whole, and not before its last byte", arguments: [
        ("+OK\r\n", RESPValue.simpleString("OK")),
        ("-ERR unknown command 'X'\r\n", .error("ERR unknown command 'X'")),
        (":1042\r\n", .integer(1_042)),
        (":-3\r\n", .integer(-3)),
        ("$5\r\nhello\r\n", .bulkString(Array("hello".utf8))),
        ("$0\r\n\r\n", .bulkString([])),
        ("$7\r\na\r\nb\u{0}cd\r\n", .bulkString(Array("a\r\nb\u{0}cd".utf8))),
        ("$-1\r\n", .bulkString(nil)),
        ("*0\r\n", .array([])),
        ("*-1\r\n", .array(nil)),
        ("*3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$3\r\nnew\r\n",
         .array([.bulkString(Array("message".utf8)), .bulkString(Array("chan".utf8)), .bulkString(Array("new".utf8))])),
        ("*2\r\n*1\r\n:1\r\n+x\r\n", .array([.array([.integer(1)]), .simpleString("x")])),
    ])
    func parsesValues(text: String, expected: RESPValue) throws {
        let bytes = Array(text.utf8)
        let parsed = try RESPParser.parse(bytes[...])
        #expect(parsed?.value == expected)
        #expect(parsed?.length == bytes.count)
        for cut in 0..<bytes.count {
            #expect(try RESPParser.parse(bytes[..<cut]) == nil, "complete after \(cut) of \(bytes.count) bytes")
        }
        // What follows a value is left for the next one.
        #expect(try RESPParser.parse((bytes + Array("+next\r\n".utf8))[...])?.length == bytes.count)
    }

    @Test("Bytes that are not RESP are refused, never guessed at", arguments: [
        ("!5\r\nhello\r\n", RESPParser.Malformed.unknownType(UInt8(ascii: "!"))),
        ("+OK\n", .badLine("LF without CR")),
        (":12a\r\n", .badLength("12a")),
        ("$-2\r\n", .badLength("-2")),
        ("$3\r\nabcde\r\n", .badLine("a bulk string not followed by CRLF")),
        ("$999999999999\r\n", .tooLarge("bulk string of 999999999999 bytes")),
        ("*99999999\r\n", .tooLarge("array of 99999999 values")),
        (String(repeating: "*1\r\n", count: 12) + ":1\r\n", .tooDeep),
    ])
    func refusesMalformed(text: String, expected: RESPParser.Malformed) {
        #expect(throws: expected) { try RESPParser.parse(Array(text.utf8)[...]) }
    }

    @Test("A line without end is refused at the limit, not read forever")
    func endlessLine() {
        let bytes = Array("+".utf8) + Array(repeating: UInt8(ascii: "a"), count: RESPParser.maxLineLength + 1)
        #expect(throws: RESPParser.Malformed.tooLarge("line")) { try RESPParser.parse(bytes[...]) }
    }

    @Test("Random bytes never crash the parser")
    func randomBytes() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("+-:$*\r\n0123456789-ab".utf8)
        for _ in 0..<5_000 {
            let bytes = (0..<Int.random(in: 0...40, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            _ = try? RESPParser.parse(bytes[...])
        }
    }

    @Test("A command is sent as an array of bulk strings")
    func encodesCommands() {
        #expect(RESPValue.command(["SET", "k", "é v"]) == Array("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\né v\r\n".utf8))
    }

    @Test("A server that closes mid-reply, sends no RESP, or says nothing is an error of its kind", arguments: [
        ("$10\r\nabc", RESPConnection.CallError.closed),
        ("HTTP/1.1 400 Bad Request\r\n\r\n", .malformed(.unknownType(UInt8(ascii: "H")))),
        ("-ERR wrong number of arguments\r\n", .server("ERR wrong number of arguments")),
        ("", .timedOut),
    ])
    func brokenServer(reply: String, expected: RESPConnection.CallError) throws {
        let server = try RawOrigin { connection, _ in
            var chunk = [UInt8](repeating: 0, count: 256)
            _ = try? chunk.withUnsafeMutableBytes { try connection.socket.read(into: $0, deadline: .now + .seconds(2)) }
            if !reply.isEmpty { connection.write(reply) }
            if reply.isEmpty { Thread.sleep(forTimeInterval: 1) }
        }
        let connection = try RESPConnection(host: "127.0.0.1", port: server.port, timeout: .milliseconds(500))
        #expect(throws: expected) { try connection.call(["GET", "k"]) }
    }

    @Test("Fleet addresses: redis://HOST[:PORT][/DB]", arguments: [
        ("redis://127.0.0.1", "redis://127.0.0.1:6379" as String?),
        ("redis://cache.internal:6380/2", "redis://cache.internal:6380/2"),
        ("redis://[::1]:7000", "redis://[::1]:7000"),
        ("redis://10.0.0.5/", "redis://10.0.0.5:6379"),
        ("http://127.0.0.1", nil),
        ("redis://", nil),
        ("redis://h:0", nil),
        ("redis://h/16", nil),
        ("redis://user:secret@h", nil),
    ])
    func fleetAddresses(url: String, expected: String?) {
        #expect(FleetAddress(url: url)?.description == expected)
    }
}
