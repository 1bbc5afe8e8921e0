import Foundation
import HTTPCore

/// `Step5Invalidation invalidate`: the command a CI job runs after a deploy. It asks each cache
/// server which commit it last invalidated for the project, lists the image files git says
/// changed since then, and sends their URLs, recorded with the new `HEAD`.
enum InvalidateCommand {
    static let usage = """
        usage: Step5Invalidation invalidate --server URL [--server URL]... --project NAME
                   [--repo DIR] [--under PATH] [--match REGEX]... [--url-prefix PREFIX]
                   [--token-file FILE] [--batch-size N] [--all-on-first-run] [--dry-run] [--json]

        Invalidates, on each cache server, the images a git push changed: the files that
        changed between the commit the server recorded last for the project and HEAD (added,
        modified, deleted, both sides of a rename), below --under and matching --match, as
        URL paths. Run it in the repository's checkout, with its whole history (a shallow
        clone that lacks the recorded commit gets every matching file invalidated).

          --server URL         a cache server's admin API, http://HOST:PORT; repeat for more
          --project NAME       the project, as the servers record it
          --repo DIR           the git repository (default .)
          --under PATH         the repository directory the images are served from
                               (default: the whole repository)
          --match REGEX        a Swift Regex the path below --under must match, unanchored;
                               repeat for more (default: image extensions, any case)
          --url-prefix PREFIX  what the URL paths start with (default /)
          --token-file FILE    the file holding the admin API's token; or set
                               STEP5_INVALIDATION_TOKEN. Never given on the command line
          --batch-size N       URLs per request, 1 to 10000 (default 500)
          --all-on-first-run   when a server has no record for the project yet, send every
                               matching file (default: send nothing, record HEAD)
          --dry-run            show what would be sent, and send nothing
          --json               print the servers' records, one JSON object per line
          -h, --help           show this help

        Exit status: 0 done (also with nothing to do), 1 a server refused or failed,
        2 a usage error, 3 a git error.
        """

    /// The command's options, checked.
    struct Options: Sendable {
        var servers: [UpstreamAddress]
        var project: String
        var repository = "."
        var mapping = ImagePathMapping()
        var tokenFile: String?
        var batchSize = 500
        var sendsAllOnFirstRun = false
        var isDryRun = false
        var printsJSON = false
    }

    static let subcommand = Subcommand(name: "invalidate", summary: "invalidate the images a git push changed (for CI jobs)",
                                       usage: usage) { arguments throws(UsageError) in
        let servers = try arguments.values(of: "--server", as: .adminURL)
        guard !servers.isEmpty else { throw .missingValue(option: "--server") }
        guard let project = try arguments.value(of: "--project") else { throw .missingValue(option: "--project") }
        var options = Options(servers: servers, project: project)
        options.repository = try arguments.value(of: "--repo") ?? "."
        let under = try arguments.value(of: "--under") ?? ""
        var patterns = try arguments.values(of: "--match")
        for pattern in patterns where (try? Regex(pattern)) == nil {
            throw .invalidValue(option: "--match", value: pattern, expected: "a regular expression")
        }
        if patterns.isEmpty { patterns = [ImagePathMapping.imageExtensions] }
        let urlPrefix = try arguments.value(of: "--url-prefix") ?? "/"
        options.mapping = ImagePathMapping(under: under, urlPrefix: urlPrefix, patterns: patterns)
        options.tokenFile = try arguments.value(of: "--token-file")
        options.batchSize = try arguments.value(of: "--batch-size", as: .batchSize) ?? 500
        options.sendsAllOnFirstRun = try arguments.flag("--all-on-first-run")
        options.isDryRun = try arguments.flag("--dry-run")
        options.printsJSON = try arguments.flag("--json")
        try arguments.finish()
        return { [options] in
            var output = StandardOutput()
            return run(options, environment: ProcessInfo.processInfo.environment, output: &output)
        }
    }

    // MARK: - The run

    /// The null commit: no history contains it, so a server that recorded it (a run that failed
    /// after its first batches) gets every matching file again next time.
    static let nullCommit = String(repeating: "0", count: 40)

    /// What one server is sent.
    struct Plan {
        var server: AdminClient
        /// The commit the server recorded, if any.
        var previous: String?
        var urls: [String]
        /// Why the whole tree is sent, or why nothing is, when that is so.
        var note: String?
    }

    /// Runs the command; the exit status.
    static func run(_ options: Options, environment: [String: String], output: inout some TextOutputStream) -> Int32 {
        let token: BearerToken
        do {
            guard let loaded = try BearerToken.load(file: options.tokenFile, environment: environment) else {
                printError("no token: give --token-file FILE or set \(BearerToken.environmentVariable)")
                return 2
            }
            token = loaded
        } catch {
            printError("\(error)")
            return 2
        }
        let repository = GitRepository(directory: options.repository)
        let head: String
        do {
            head = try repository.head()
        } catch {
            printError("\(error)")
            return 3
        }
        var failures = 0
        var plans: [Plan] = []
        for server in options.servers {
            let client = AdminClient(server: server, token: token)
            do {
                plans.append(try plan(for: client, options: options, repository: repository, head: head))
            } catch let error as AdminClient.CallError {
                printError("\(error)")
                failures += 1
            } catch {
                printError("\(error)")
                return 3
            }
        }
        var (paths, entries, ranges) = (Set<String>(), 0, [String]())
        for plan in plans {
            let server = plan.server.server.description
            if let note = plan.note { print("\(server): \(note)", to: &output) }
            if plan.previous == head {
                print("\(server): already at \(head.prefix(7)), nothing to send", to: &output)
                continue
            }
            let range = "\(plan.previous.map { String($0.prefix(7)) } ?? "(none)")..\(head.prefix(7))"
            if options.isDryRun {
                print("\(server): would send \(plan.urls.count) paths as \(range)", to: &output)
                for url in plan.urls { print("  \(url)", to: &output) }
                continue
            }
            do {
                let records = try send(plan, project: options.project, head: head, batchSize: options.batchSize)
                for record in records {
                    if options.printsJSON { print(json(record), to: &output) }
                    if let error = record.invalidationError { printError("\(server): \(error)"); failures += 1 }
                }
                let counts = Dictionary(records.flatMap(\.invalidatedImages).map { ($0.source, 1) }, uniquingKeysWith: +)
                if !options.printsJSON {
                    for url in plan.urls {
                        let count = counts[url] ?? 0
                        print("\(server) \(url): \(count) cached \(count == 1 ? "entry" : "entries")", to: &output)
                    }
                }
                paths.formUnion(plan.urls)
                entries += counts.values.reduce(0, +)
                ranges.append(range)
            } catch {
                printError("\(error)")
                failures += 1
            }
        }
        if !options.isDryRun, !options.printsJSON, !ranges.isEmpty {
            let servers = "\(ranges.count) \(ranges.count == 1 ? "server" : "servers")"
            if paths.isEmpty {
                print("nothing to invalidate; recorded \(head.prefix(7)) on \(servers)", to: &output)
            } else {
                let distinct = ranges.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
                print("invalidated \(paths.count) \(paths.count == 1 ? "path" : "paths"), "
                      + "\(entries) cached \(entries == 1 ? "entry" : "entries"), on \(servers), "
                      + distinct.joined(separator: ", "), to: &output)
            }
        }
        return failures > 0 ? 1 : 0
    }

    // ANCHOR: invalidate-plan
    /// What `server` is sent: the changes since the commit it recorded, every matching file when
    /// that commit is not in HEAD's history, nothing on a first run unless asked.
    static func plan(for server: AdminClient, options: Options, repository: GitRepository, head: String) throws -> Plan {
        let changes: [GitRepository.Change]
        var note: String?
        let previous: String?
        switch try server.lastInvalidation(of: options.project) {
        case .commit(let commit) where commit == head:
            return Plan(server: server, previous: commit, urls: [])
        case .commit(let commit) where repository.isInHistory(commit, of: head):
            previous = commit
            changes = try repository.changes(from: commit, to: head)
        case .commit(let commit):
            previous = commit
            note = "\(commit.prefix(12)) is not in the history of HEAD (a force push, or a shallow clone without it): "
                + "invalidating every matching file"
            changes = try repository.files(at: head)
        case .noneCompleted:
            previous = nil
            note = "none of the last invalidations recorded completed: invalidating every matching file"
            changes = try repository.files(at: head)
        case .none where options.sendsAllOnFirstRun:
            previous = nil
            note = "first run for \(options.project): invalidating every matching file (--all-on-first-run)"
            changes = try repository.files(at: head)
        case .none:
            previous = nil
            note = "first run for \(options.project): recording \(head.prefix(7)), invalidating nothing "
                + "(--all-on-first-run would send every matching file)"
            changes = []
        }
        var urls: [String] = []
        var seen = Set<String>()
        for change in changes {
            guard let url = options.mapping.urlPath(of: change.path), seen.insert(url).inserted else { continue }
            urls.append(url)
        }
        return Plan(server: server, previous: previous, urls: urls, note: note)
    }
    // ANCHOR_END: invalidate-plan

    // ANCHOR: invalidate-send
    /// Sends `plan`'s URLs in batches. Every batch but the last is recorded with the server's
    /// previous commit (the null commit when it had none), the last with `head`: a run that stops
    /// half-way leaves the server where it was, and the next run sends everything again.
    static func send(_ plan: Plan, project: String, head: String, batchSize: Int) throws(AdminClient.CallError) -> [InvalidationRecord] {
        let batches = plan.urls.isEmpty ? [[]] : stride(from: 0, to: plan.urls.count, by: batchSize).map {
            Array(plan.urls[$0..<min($0 + batchSize, plan.urls.count)])
        }
        var records: [InvalidationRecord] = []
        for (number, batch) in batches.enumerated() {
            let isLast = number == batches.count - 1
            let commit = isLast ? head : (plan.previous ?? nullCommit)
            let (record, isComplete) = try plan.server.invalidate(project: project, commit: commit, urls: batch)
            records.append(record)
            // A URL that failed (a file that could not be deleted): stop before HEAD is recorded.
            guard isComplete else { break }
        }
        return records
    }
    // ANCHOR_END: invalidate-send

    private static func json(_ record: InvalidationRecord) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(record)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    private static func printError(_ message: String) {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    }
}

/// Standard output as a `TextOutputStream`, flushed line by line (a CI log shows progress).
struct StandardOutput: TextOutputStream {
    mutating func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

extension CommandLineArguments.ValueFormat where Value == UpstreamAddress {
    /// An admin API's address, `http://HOST:PORT`.
    fileprivate static var adminURL: Self {
        Self(expected: "an admin API URL such as http://127.0.0.1:8081") { UpstreamAddress(url: $0) }
    }
}

extension CommandLineArguments.ValueFormat where Value == Int {
    /// URLs per request: the admin API takes at most 10,000 per call.
    fileprivate static var batchSize: Self {
        Self(expected: "a number from 1 to \(InvalidationRequest.maxURLs)") { text in
            Int(text).flatMap { (1...InvalidationRequest.maxURLs).contains($0) ? $0 : nil }
        }
    }
}
