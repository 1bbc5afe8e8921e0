import Foundation
import HTTPCore
import NginxCache

/// `Step5Invalidation inspect PATH…`: what cache files hold, read as the proxy reads them, for files
/// this proxy wrote and files real nginx wrote alike.
enum InspectCommand {
    static let usage = """
        usage: Step5Invalidation inspect [--levels LEVELS] [--headers] [--json] PATH...

        Prints what each cache file holds: its key, status line, body size, freshness, date,
        Last-Modified and ETag. A directory stands for every entry under it (temporary files
        of unfinished writes are skipped). Nothing is changed.

          --levels LEVELS  the directory's levels, as nginx's levels= (default 1:2)
          --headers        also print the stored response head
          --json           one JSON object per line instead
          -h, --help       show this help

        Exit status: 0 every file was a valid entry, 1 some were not (each says why),
        2 a usage error or a path that cannot be read.
        """

    static let subcommand = Subcommand(name: "inspect", summary: "print what cache files hold", usage: usage) {
        arguments throws(UsageError) in
        let levels = try arguments.value(of: "--levels", as: .cacheLevels) ?? .oneTwo
        let showsHead = try arguments.flag("--headers")
        let json = try arguments.flag("--json")
        let paths = try arguments.finish(allowingPositional: true)
        guard !paths.isEmpty else { throw .missingArgument("PATH") }
        return { run(paths: paths, levels: levels, showsHead: showsHead, json: json) }
    }

    /// Inspects every path; the exit status.
    static func run(paths: [String], levels: CacheLevels, showsHead: Bool, json: Bool) -> Int32 {
        var status: Int32 = 0
        let now = Int64(time(nil))
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                FileHandle.standardError.write(Data("error: \(path): no such file or directory\n".utf8))
                status = 2
                continue
            }
            var files: [String] = []
            if isDirectory.boolValue {
                do throws(CacheDirectory.WalkError) {
                    try CacheDirectory(path: path, levels: levels).walk { item in
                        if case .entry(let entryPath, _, _) = item { files.append(entryPath) }
                    }
                } catch {
                    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                    status = 2
                }
                files.sort()
            } else {
                files = [path]
            }
            for file in files {
                let entry = CacheEntryReport(path: file, now: now)
                print(json ? entry.json(showsHead: showsHead) : entry.text(showsHead: showsHead))
                if entry.error != nil, status == 0 { status = 1 }
            }
        }
        fflush(nil)
        return status
    }
}

/// One cache file as the tool reports it.
struct CacheEntryReport {
    let path: String
    let file: CacheFile?
    let error: CacheFileError?
    /// The time the relative times are counted from, Unix seconds.
    let now: Int64

    /// Opens and checks the file at `path` as a HIT would, without knowing which key to expect.
    init(path: String, now: Int64) {
        self.path = path
        self.now = now
        do throws(CacheFileError) {
            file = try CacheFile(path: path)
            error = nil
        } catch {
            file = nil
            self.error = error
        }
    }

    /// `file:`, `key:`, … one line each, and the stored head after them with `showsHead`.
    func text(showsHead: Bool) -> String {
        guard let file else { return "file: \(path)\nerror: \(error?.description ?? "unreadable")\n" }
        var lines = ["file: \(path)", "key: \(String(decoding: file.key, as: UTF8.self))",
                     "status: \(file.storedHead.version) \(file.storedHead.status)",
                     "body: \(file.bodyLength) bytes",
                     "valid until: \(Self.rfc3339(file.header.validUntil)) (\(relative(file.header.validUntil)))",
                     "date: \(Self.rfc3339(file.header.date)) (\(relative(file.header.date)))"]
        if file.header.lastModified >= 0 { lines.append("last-modified: \(Self.rfc3339(file.header.lastModified))") }
        if !file.header.entityTag.isEmpty { lines.append("etag: \(String(decoding: file.header.entityTag, as: UTF8.self))") }
        if showsHead {
            lines.append("head:")
            lines += file.storedHead.headerFields.map { "  \($0.name): \($0.value)" }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One JSON object, one line.
    func json(showsHead: Bool) -> String {
        var object: [String: Any] = ["file": path]
        if let file {
            object["key"] = String(decoding: file.key, as: UTF8.self)
            object["status"] = file.storedHead.status.code
            object["bodySize"] = file.bodyLength
            object["validUntil"] = Self.rfc3339(file.header.validUntil)
            object["date"] = Self.rfc3339(file.header.date)
            if file.header.lastModified >= 0 { object["lastModified"] = Self.rfc3339(file.header.lastModified) }
            if !file.header.entityTag.isEmpty { object["etag"] = String(decoding: file.header.entityTag, as: UTF8.self) }
            if showsHead { object["headers"] = file.storedHead.headerFields.map { [$0.name, $0.value] } }
        } else {
            object["error"] = error?.description ?? "unreadable"
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// `in 3598s` or `12s ago`, from `now`.
    private func relative(_ seconds: Int64) -> String {
        seconds > now ? "in \(seconds - now)s" : "\(now - seconds)s ago"
    }

    /// `2026-12-01T23:26:32Z` (RFC 3339, UTC).
    static func rfc3339(_ seconds: Int64) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }
}
