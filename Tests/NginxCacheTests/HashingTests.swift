import Foundation
import NginxCache
import Testing

@Suite("MD5 and CRC-32, against their published vectors and the system's own tools", .timeLimit(.minutes(1)))
struct HashingTests {
    @Test("MD5 gives RFC 1321's test suite (§A.5)", arguments: [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
        ("12345678901234567890123456789012345678901234567890123456789012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a"),
    ])
    func md5Vectors(message: String, expected: String) {
        #expect(MD5(message).hex == expected)
    }

    @Test("CRC-32 gives the standard check value, and zlib's for other inputs", arguments: [
        ("123456789", 0xCBF4_3926 as UInt32),
        ("", 0),
        ("a", 0xE8B7_BE43),
        ("127.0.0.1:18000/1.jpg", 0xEBD3_8DB6),  // the crc32 nginx wrote for this key
    ])
    func crc32Vectors(text: String, expected: UInt32) {
        #expect(CRC32.checksum(Array(text.utf8)) == expected)
    }

    @Test("MD5 and CRC-32 agree with md5sum and Python's zlib.crc32 on random inputs of every padding length")
    func randomInputsAgreeWithTheSystem() throws {
        var generator = SystemRandomNumberGenerator()
        // Lengths around the 56- and 64-byte padding edges, and some longer ones.
        let lengths = Array(0...130) + [1_000, 4_095, 65_537]
        var inputs: [[UInt8]] = []
        for length in lengths {
            inputs.append((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hashing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (index, input) in inputs.enumerated() {
            try Data(input).write(to: directory.appendingPathComponent("\(index)"))
        }
        let script = """
            import hashlib, sys, zlib, pathlib
            for i in range(int(sys.argv[2])):
                data = pathlib.Path(sys.argv[1], str(i)).read_bytes()
                print(hashlib.md5(data).hexdigest(), zlib.crc32(data))
            """
        let output = try run("/usr/bin/env", ["python3", "-c", script, directory.path, "\(inputs.count)"])
        let lines = output.split(separator: "\n")
        #expect(lines.count == inputs.count)
        for (input, line) in zip(inputs, lines) {
            let fields = line.split(separator: " ")
            #expect(MD5(input).hex == String(fields[0]), "length \(input.count)")
            #expect(CRC32.checksum(input) == UInt32(fields[1]), "length \(input.count)")
        }
        // And one through md5sum itself, the tool a reader would reach for.
        let md5sum = try run("/usr/bin/env", ["md5sum", directory.appendingPathComponent("57").path])
        #expect(md5sum.hasPrefix(MD5(inputs[57]).hex))
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
