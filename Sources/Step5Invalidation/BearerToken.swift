#if canImport(Glibc)
import Glibc
#endif
import Foundation

// ANCHOR: bearer-token
/// The secret an admin API caller proves it holds: `Authorization: Bearer <token>` (RFC 6750 §2.1).
///
/// It comes from a file (`--token-file`) or the environment (`STEP5_INVALIDATION_TOKEN`), never
/// from the command line, where every `ps` listing would show it; it is compared in constant
/// time and never logged. With no token, the invalidation API is off (Imcaxy's is open to anyone
/// when its token setting is empty).
struct BearerToken: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The environment variable that may hold the token.
    static let environmentVariable = "STEP5_INVALIDATION_TOKEN"

    /// Why a token could not be read; each case is one line at start-up.
    enum LoadError: Error, Equatable, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        case empty(source: String)
        /// RFC 6750 §2.1: `b64token`, letters, digits and `-._~+/`, then `=` padding.
        case invalidCharacters(source: String)

        var description: String {
            switch self {
            case .unreadable(let path, let reason): "cannot read the token file \(path): \(reason)"
            case .empty(let source): "the token in \(source) is empty"
            case .invalidCharacters(let source):
                "the token in \(source) has characters a bearer token cannot have (letters, digits, -._~+/ and = at the end)"
            }
        }
    }

    private let bytes: [UInt8]

    /// The token as a client sends it after `Bearer `.
    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Never the token itself: a token printed by mistake (a log line, an error) shows this.
    var description: String { "<bearer token, \(bytes.count) characters>" }
    var debugDescription: String { description }

    /// The token in `text`, without surrounding whitespace (a file's final newline).
    init(text: String, source: String) throws(LoadError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .empty(source: source) }
        guard Self.isB64Token(Array(trimmed.utf8)) else { throw .invalidCharacters(source: source) }
        bytes = Array(trimmed.utf8)
    }

    /// The token from `file` if given, else from `environment`; `nil` when neither gives one.
    static func load(file: String?, environment: [String: String]) throws(LoadError) -> BearerToken? {
        if let file {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw .unreadable(path: file, reason: (error as NSError).localizedFailureReason ?? "\(error)")
            }
            return try BearerToken(text: text, source: file)
        }
        guard let text = environment[environmentVariable] else { return nil }
        return try BearerToken(text: text, source: environmentVariable)
    }

    /// Whether the `Authorization` field value `authorization` carries this token.
    ///
    /// Why constant time: comparing byte by byte until the first difference tells an attacker, by
    /// the answer's timing, how many leading bytes were right. Every byte is compared here, and
    /// the lengths too, whatever they are.
    func admits(authorization: String?) -> Bool {
        // RFC 9110 §11.1: the scheme is case-insensitive; one or more spaces follow it.
        guard let authorization, authorization.count > 7,
              authorization.prefix(7).lowercased() == "bearer " else { return false }
        let offered = Array(authorization.dropFirst(7).drop { $0 == " " }.utf8)
        var difference = UInt8(truncatingIfNeeded: offered.count ^ bytes.count)
        for index in 0..<max(offered.count, bytes.count) {
            let left = index < offered.count ? offered[index] : 0
            let right = index < bytes.count ? bytes[index] : 0
            difference |= left ^ right
        }
        return difference == 0 && offered.count == bytes.count
    }

    private static func isB64Token(_ token: [UInt8]) -> Bool {
        let body = token.prefix { $0 != UInt8(ascii: "=") }
        guard !body.isEmpty, token.dropFirst(body.count).allSatisfy({ $0 == UInt8(ascii: "=") }) else { return false }
        return body.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"):
                true
            default:
                false
            }
        }
    }
}
// ANCHOR_END: bearer-token
