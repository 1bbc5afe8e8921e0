import Foundation

/// Redis's password for a fleet: from `--fleet-password-file` or `STEP5_FLEET_PASSWORD`, never
/// from the command line; `nil` for a Redis without one.
enum FleetPassword {
    static let environmentVariable = "STEP5_FLEET_PASSWORD"

    /// Why the password file could not be used.
    struct Unreadable: Error, CustomStringConvertible {
        let path: String
        var description: String { "cannot read the fleet password file \(path)" }
    }

    static func load(file: String?, environment: [String: String]) throws -> String? {
        if let file {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw Unreadable(path: file) }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return environment[environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
    }
}
