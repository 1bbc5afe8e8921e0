import Foundation
import Synchronization
import HTTPCore
import Testing
import TestSupport
@testable import Step5Invalidation

@Suite("Step5Invalidation invalidate: what a git push changed reaches the cache",
       .enabled(if: GitFixture.isInstalled, "git is not installed: apt-get install git"),
       .timeLimit(.minutes(3)))
struct InvalidateCommandTests {
    /// The cache's variants of the sample images.
    static let variants = ["/1.jpg", "/1.jpg?w=100", "/2.jpg", "/2.jpg?w=100", "/3.jpg", "/3.jpg?w=100"]

    /// A proxy whose cache holds every variant, in front of an origin serving the sample images.
    static func makeFilledProxy(origin: CountingOrigin) throws -> ProxyFixture {
        let fixture = try ProxyFixture(upstream: origin.upstream) { $0.minUses = 1 }
        for target in variants { _ = try fixture.request(.get, target) }
        return fixture
    }

    /// A repository with the three sample images under `images/`, committed.
    static func makeRepository() throws -> (GitFixture, String) {
        let git = try GitFixture()
        for name in ["1.jpg", "2.jpg", "3.jpg"] { try git.write("images/" + name, try SampleImages.bytes(name)) }
        try git.write("README.md", Array("site\n".utf8))
        return (git, try git.commit("the images"))
    }

    /// Runs the command against `servers` (admin ports) for the project `site`, images under `images`.
    static func invalidate(_ servers: [Int], repository: String, _ extra: [String] = [],
                           token: String = ProxyFixture.token) throws -> CommandRun {
        try CommandRun.run(product: "Step5Invalidation",
                           ["invalidate", "--project", "site", "--repo", repository, "--under", "images"]
                               + servers.flatMap { ["--server", "http://127.0.0.1:\($0)"] } + extra,
                           environment: [BearerToken.environmentVariable: token])
    }

    /// The X-Proxy-Cache of each variant, without counting toward anything the test checks.
    static func statuses(_ fixture: ProxyFixture) throws -> [String: String] {
        Dictionary(uniqueKeysWithValues: try variants.map { ($0, try fixture.request(.get, $0).headerFields["X-Proxy-Cache"] ?? "-") })
    }

    static func lastCommit(_ fixture: ProxyFixture) throws -> String? {
        let response = try fixture.adminRequest(.get, "/lastInvalidation?projectName=site")
        return response.status == 200 ? try JSONDecoder().decode(InvalidationRecord.self, from: Data(response.body)).commitHash : nil
    }

    @Test("First run: nothing sent, HEAD recorded; a commit that changes 1.jpg makes exactly its variants MISS; then nothing to do")
    func firstRunThenOneImage() throws {
        let origin = try InvalidationTests.makeImagesOrigin()
        let fixture = try Self.makeFilledProxy(origin: origin)
        let (git, first) = try Self.makeRepository()

        let initial = try Self.invalidate([fixture.admin.port], repository: git.path)
        #expect(initial.status == 0, "\(initial.errors)")
        #expect(initial.output.contains("first run for site: recording \(first.prefix(7)), invalidating nothing"))
        #expect(try Self.lastCommit(fixture) == first)
        #expect(Set(try Self.statuses(fixture).values) == ["HIT"])

        try git.write("images/1.jpg", try SampleImages.bytes("2.jpg"))
        let second = try git.commit("a new 1.jpg")
        let run = try Self.invalidate([fixture.admin.port], repository: git.path)
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.lines == [
            "http://127.0.0.1:\(fixture.admin.port) /1.jpg: 2 cached entries",
            "invalidated 1 path, 2 cached entries, on 1 server, \(first.prefix(7))..\(second.prefix(7))",
        ])
        #expect(try Self.lastCommit(fixture) == second)
        let statuses = try Self.statuses(fixture)
        for target in Self.variants { #expect(statuses[target] == (target.hasPrefix("/1.jpg") ? "MISS" : "HIT"), "\(target)") }

        let again = try Self.invalidate([fixture.admin.port], repository: git.path)
        #expect(again.status == 0)
        #expect(again.lines == ["http://127.0.0.1:\(fixture.admin.port): already at \(second.prefix(7)), nothing to send"])
    }

    @Test("Added, deleted and renamed images are sent, both sides of a rename; other files and other directories are not; odd names are encoded")
    func whichFiles() throws {
        let origin = try InvalidationTests.makeImagesOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let (git, _) = try Self.makeRepository()
        #expect(try Self.invalidate([fixture.admin.port], repository: git.path).status == 0)
        try git.write("images/new.png", [1])
        try git.git("rm", "-q", "images/2.jpg")
        try git.git("mv", "images/3.jpg", "images/three.jpg")
        try git.write("images/notes.txt", [1])
        try git.write("other/4.jpg", [1])
        try git.write("images/a b \"c\" é.jpg", [1])
        try git.commit("many changes")
        let run = try Self.invalidate([fixture.admin.port], repository: git.path, ["--json"])
        #expect(run.status == 0, "\(run.errors)")
        let record = try JSONDecoder().decode(InvalidationRecord.self, from: Data(run.output.utf8))
        #expect(Set(record.requestedInvalidations) == ["/new.png", "/2.jpg", "/3.jpg", "/three.jpg", "/a%20b%20%22c%22%20%C3%A9.jpg"])
    }

    @Test("A force push that rewrote the recorded commit, and a shallow clone without it: every matching file, and why")
    func historyWithoutTheRecordedCommit() throws {
        let origin = try InvalidationTests.makeImagesOrigin()
        let fixture = try Self.makeFilledProxy(origin: origin)
        let (git, _) = try Self.makeRepository()
        try git.write("images/1.jpg", [9])
        let recorded = try git.commit("to be rewritten")
        #expect(try Self.invalidate([fixture.admin.port], repository: git.path, ["--all-on-first-run"]).status == 0)
        #expect(try Self.lastCommit(fixture) == recorded)
        try git.git("reset", "-q", "--hard", "HEAD~1")
        try git.write("images/2.jpg", [8])
        let rewritten = try git.commit("rewritten")
        try git.git("reflog", "expire", "--expire=now", "--all")
        try git.git("gc", "-q", "--prune=now")
        let run = try Self.invalidate([fixture.admin.port], repository: git.path, ["--dry-run"])
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.contains("\(recorded.prefix(12)) is not in the history of HEAD (a force push, or a shallow clone without it)"))
        #expect(run.lines.suffix(3) == ["  /1.jpg", "  /2.jpg", "  /3.jpg"])
        #expect(try Self.lastCommit(fixture) == recorded, "a dry run records nothing")

        // A shallow clone of the rewritten history: the recorded commit is not there either.
        let clone = git.directory.path + "/clone"
        try GitFixture.git(in: git.directory.path, ["clone", "-q", "--depth", "1", "file://" + git.path, clone])
        let shallow = try Self.invalidate([fixture.admin.port], repository: clone)
        #expect(shallow.status == 0, "\(shallow.errors)")
        #expect(shallow.output.contains("is not in the history of HEAD"))
        #expect(try Self.lastCommit(fixture) == rewritten)
        #expect(Set(try Self.statuses(fixture).values) == ["MISS"])
    }

    @Test("3,000 changed files go in batches of 500 as JSON bodies; every batch but the last keeps the previous commit")
    func batches() throws {
        let origin = try InvalidationTests.makeImagesOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let (git, first) = try Self.makeRepository()
        #expect(try Self.invalidate([fixture.admin.port], repository: git.path).status == 0)
        for number in 0..<3_000 {
            try git.write("images/generated/a-rather-long-directory-name-\(number / 100)/image-\(number).png", [UInt8(number % 256)])
        }
        let head = try git.commit("3,000 images")
        let run = try Self.invalidate([fixture.admin.port], repository: git.path)
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.lines.last == "invalidated 3000 paths, 0 cached entries, on 1 server, \(first.prefix(7))..\(head.prefix(7))")
        let history = try fixture.adminRequest(.get, "/invalidations?projectName=site&limit=100")
        let records = try JSONDecoder().decode([InvalidationRecord].self, from: Data(history.body))
        #expect(records.map(\.commitHash) == [head] + Array(repeating: first, count: 6))
        #expect(records.prefix(6).map(\.requestedInvalidations.count) == [500, 500, 500, 500, 500, 500])
    }

    @Test("Two servers that recorded different commits each get what they missed; a server down is exit 1 and nothing recorded there")
    func twoServers() throws {
        let origin = try InvalidationTests.makeImagesOrigin()
        let behind = try Self.makeFilledProxy(origin: origin)
        let ahead = try Self.makeFilledProxy(origin: origin)
        let (git, _) = try Self.makeRepository()
        #expect(try Self.invalidate([behind.admin.port], repository: git.path).status == 0)
        try git.write("images/1.jpg", [1])
        try git.commit("1.jpg changed")
        #expect(try Self.invalidate([ahead.admin.port], repository: git.path, ["--all-on-first-run"]).status == 0)
        try git.write("images/2.jpg", [2])
        let head = try git.commit("2.jpg changed")
        for target in Self.variants { _ = try ahead.request(.get, target) }  // refilled

        let run = try Self.invalidate([behind.admin.port, ahead.admin.port], repository: git.path, ["--json"])
        #expect(run.status == 0, "\(run.errors)")
        let records = try run.lines.map { try JSONDecoder().decode(InvalidationRecord.self, from: Data($0.utf8)) }
        #expect(records.map(\.requestedInvalidations) == [["/1.jpg", "/2.jpg"], ["/2.jpg"]])
        #expect(try Self.lastCommit(behind) == head)
        #expect(try Self.lastCommit(ahead) == head)

        // One server down: the other is done, the exit status says one failed.
        try git.write("images/3.jpg", [3])
        let third = try git.commit("3.jpg changed")
        ahead.admin.stop()
        let partly = try Self.invalidate([behind.admin.port, ahead.admin.port], repository: git.path)
        #expect(partly.status == 1)
        #expect(partly.errors.contains("http://127.0.0.1:\(ahead.admin.port): cannot reach it"))
        #expect(try Self.lastCommit(behind) == third)
    }

    @Test("A wrong token is exit 1 with the server's words, never the token; git trouble is exit 3; no token or no server is exit 2")
    func failures() throws {
        let origin = try InvalidationTests.makeImagesOrigin()
        let fixture = try ProxyFixture(upstream: origin.upstream)
        let (git, _) = try Self.makeRepository()
        let wrong = try Self.invalidate([fixture.admin.port], repository: git.path, token: "not-the-token")
        #expect(wrong.status == 1)
        #expect(wrong.errors == "error: http://127.0.0.1:\(fixture.admin.port): 401 the bearer token is not valid\n")
        #expect(!(wrong.output + wrong.errors).contains("not-the-token"))
        #expect(try Self.lastCommit(fixture) == nil)

        let notARepository = try Self.invalidate([fixture.admin.port], repository: git.directory.path)
        #expect(notARepository.status == 3)
        #expect(notARepository.errors.contains("not a git repository"))

        let noToken = try CommandRun.run(product: "Step5Invalidation", ["invalidate", "--project", "site", "--repo", git.path,
                                                                         "--server", "http://127.0.0.1:\(fixture.admin.port)"],
                                         environment: [BearerToken.environmentVariable: ""])
        #expect(noToken.status == 2)
        let noServer = try CommandRun.run(product: "Step5Invalidation", ["invalidate", "--project", "site"])
        #expect(noServer.status == 2)
        #expect(noServer.errors.contains("--server needs a value"))
    }
}

@Suite("The CI side's calls: retried when a retry can help, not when it cannot", .timeLimit(.minutes(1)))
struct AdminClientTests {
    static let record = InvalidationRecord(projectName: "site", commitHash: "abcdef1", invalidationDate: "2026-12-02T00:00:00Z",
                                           requestedInvalidations: [])

    /// An admin API stub that answers each request with the next of `answers`, the last one repeated.
    static func makeServer(_ answers: [HTTPResponse]) throws -> CountingOrigin {
        let next = Mutex(0)
        return try CountingOrigin { _ in
            let index = next.withLock { index in
                defer { index += 1 }
                return min(index, answers.count - 1)
            }
            return answers[index]
        }
    }

    static func client(_ server: CountingOrigin) throws -> AdminClient {
        AdminClient(server: server.upstream, token: try BearerToken(text: "t", source: "test"), pause: { _ in })
    }

    @Test("A 503 and a 502 are retried, then the record is read")
    func retriesServerTrouble() throws {
        let server = try Self.makeServer([.text(.serviceUnavailable, "loading"), .text(.badGateway, "x"), .json(.ok, Self.record)])
        #expect(try Self.client(server).lastInvalidation(of: "site") == .commit("abcdef1"))
        #expect(server.requests.count == 3)
    }

    @Test("A 401 is not retried, and its message is kept")
    func noRetryForUnauthorized() throws {
        let server = try Self.makeServer([.jsonError(.unauthorized, "the bearer token is not valid")])
        #expect(throws: AdminClient.CallError.refused(server: server.upstream.description, status: 401,
                                                      message: "the bearer token is not valid")) {
            try Self.client(server).lastInvalidation(of: "site")
        }
        #expect(server.requests.count == 1)
    }

    @Test("Retries end: four attempts, then the server's last answer")
    func boundedRetries() throws {
        let server = try Self.makeServer([.text(.serviceUnavailable, "down")])
        #expect(throws: AdminClient.CallError.self) { try Self.client(server).lastInvalidation(of: "site") }
        #expect(server.requests.count == 4)
    }

    @Test("A newest record that did not complete sends the client back to the newest that did")
    func incompleteNewest() throws {
        var failed = Self.record
        failed.commitHash = "bbbbbbb"
        failed.invalidationError = "/1.jpg: cannot delete x: Is a directory"
        let server = try Self.makeServer([.json(.ok, failed), .json(.ok, [failed, Self.record])])
        #expect(try Self.client(server).lastInvalidation(of: "site") == .commit("abcdef1"))
        #expect(server.requests.map(\.target) == ["/lastInvalidation?projectName=site", "/invalidations?limit=1000&projectName=site"])
    }
}

@Suite("The CI job definitions the chapter shows run the command the tests run",
       .enabled(if: GitFixture.isInstalled, "git is not installed: apt-get install git"),
       .timeLimit(.minutes(1)))
struct CIJobTests {
    /// The shell lines of `file` that run the command: GitHub's `run:`, GitLab's `script:` items.
    static func commandLines(of file: String) throws -> [String] {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            for prefix in ["run: ", "- "] where trimmed.hasPrefix(prefix) {
                let command = String(trimmed.dropFirst(prefix.count))
                if command.hasPrefix("Step5Invalidation ") || command.hasPrefix("export STEP5_INVALIDATION_TOKEN") { return command }
            }
            return nil
        }
    }

    @Test("Each job's command, run in a checkout with the job's variables, invalidates the image a commit changed",
          arguments: ["docs/ci/github-actions.yml", "docs/ci/gitlab-ci.yml"])
    func jobRunsTheCommand(file: String) throws {
        let lines = try Self.commandLines(of: file)
        #expect(lines.contains { $0.hasPrefix("Step5Invalidation invalidate ") }, "\(file) runs no invalidate command")
        let origin = try InvalidationTests.makeImagesOrigin()
        let fixture = try InvalidateCommandTests.makeFilledProxy(origin: origin)
        let (git, _) = try InvalidateCommandTests.makeRepository()
        let product = try #require(ServerProcess.findProductDirectory(containing: "Step5Invalidation"))
        // The job's variables: GitHub's env: block, GitLab's CI/CD variables.
        let environment = ["PATH": product + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
                           "IMAGE_CACHE_ADMIN": "http://127.0.0.1:\(fixture.admin.port)",
                           "IMAGE_CACHE_TOKEN": ProxyFixture.token, BearerToken.environmentVariable: ProxyFixture.token]
        let script = "cd \"$1\" && " + lines.joined(separator: " && ")
        let first = try CommandRun.run(executable: "/bin/sh", ["-c", script, "job", git.path], environment: environment)
        #expect(first.status == 0, "\(first.output)\(first.errors)")
        try git.write("images/2.jpg", [2])
        try git.commit("a new 2.jpg")
        let second = try CommandRun.run(executable: "/bin/sh", ["-c", script, "job", git.path], environment: environment)
        #expect(second.status == 0, "\(second.output)\(second.errors)")
        #expect(second.output.contains("/2.jpg: 2 cached entries"))
        #expect(try fixture.request(.get, "/2.jpg").headerFields["X-Proxy-Cache"] == "MISS")
        #expect(try fixture.request(.get, "/1.jpg").headerFields["X-Proxy-Cache"] == "HIT")
    }
}
