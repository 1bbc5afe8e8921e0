import Foundation
import Testing
import TestSupport
@testable import Step5Invalidation

@Suite("The admin API's bearer token (RFC 6750)", .timeLimit(.minutes(1)))
struct BearerTokenTests {
    @Test("Only the exact token after the Bearer scheme is admitted", arguments: [
        ("Bearer s3cret-Token_1", true),
        ("bearer s3cret-Token_1", true),                          // RFC 9110 §11.1: the scheme is case-insensitive
        ("Bearer  s3cret-Token_1", true),
        ("Bearer s3cret-Token_", false),                          // a prefix of the token
        ("Bearer s3cret-Token_12", false),                        // the token and more
        ("Bearer S3CRET-TOKEN_1", false),                         // the token itself is case-sensitive
        ("Basic s3cret-Token_1", false),
        ("s3cret-Token_1", false),
        ("Bearer ", false),
        ("", false),
    ])
    func admits(authorization: String, expected: Bool) throws {
        let token = try BearerToken(text: "s3cret-Token_1\n", source: "test")
        #expect(token.admits(authorization: authorization) == expected)
    }

    @Test("No Authorization field is never admitted")
    func missing() throws {
        #expect(try BearerToken(text: "abc", source: "test").admits(authorization: nil) == false)
    }

    @Test("The file wins over the environment; neither gives no token; a bad token is an error that does not show it")
    func loading() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path + "/token"
        try "from-file\n".write(toFile: file, atomically: true, encoding: .utf8)
        let environment = [BearerToken.environmentVariable: "from-environment"]
        #expect(try BearerToken.load(file: file, environment: environment)?.admits(authorization: "Bearer from-file") == true)
        #expect(try BearerToken.load(file: nil, environment: environment)?.admits(authorization: "Bearer from-environment") == true)
        #expect(try BearerToken.load(file: nil, environment: [:]) == nil)
        #expect(throws: BearerToken.LoadError.empty(source: BearerToken.environmentVariable)) {
            try BearerToken.load(file: nil, environment: [BearerToken.environmentVariable: " \n"])
        }
        try "has space\n".write(toFile: file, atomically: true, encoding: .utf8)
        do {
            _ = try BearerToken.load(file: file, environment: [:])
            Issue.record("a token with a space was accepted")
        } catch {
            #expect(error == .invalidCharacters(source: file))
            #expect(!error.description.contains("has space"))
        }
        #expect(throws: BearerToken.LoadError.self) { try BearerToken.load(file: directory.path + "/missing", environment: [:]) }
    }
}
