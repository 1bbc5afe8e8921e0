import Foundation

/// One command of a transcript block and the output the chapter shows for it.
struct TranscriptStep: Equatable, Sendable {
    /// The command as shown, without the `$ ` prompt; continuation lines joined with newlines.
    var command: String
    var expectedOutput: [String]
    /// The 1-based chapter line of the command.
    var line: Int
}

/// Parses and compares transcript blocks: `$ command` lines, each followed by its output.
enum Transcript {
    /// The steps of a ```console block whose first line is chapter line `firstLine`.
    ///
    /// A command line ending in `\` continues on the next line, as in a shell.
    static func steps(of lines: [String], firstLine: Int) throws(DocsFinding) -> [TranscriptStep] {
        var steps: [TranscriptStep] = []
        var isContinued = false
        for (offset, line) in lines.enumerated() {
            if isContinued, var step = steps.popLast() {
                step.command += "\n" + line
                steps.append(step)
            } else if line.hasPrefix("$ ") {
                steps.append(TranscriptStep(command: String(line.dropFirst(2)), expectedOutput: [], line: firstLine + offset))
            } else if var step = steps.popLast() {
                step.expectedOutput.append(line)
                steps.append(step)
            } else if !line.allSatisfy(\.isWhitespace) {
                throw DocsFinding(chapter: "", line: firstLine + offset, message: "a transcript starts with a `$ ` command line")
            }
            isContinued = steps.last?.expectedOutput.isEmpty == true && line.trimmingTrailingWhitespace().hasSuffix("\\")
        }
        return steps
    }

    /// Output lines as compared: each line normalised, trailing empty lines dropped.
    static func comparable(_ lines: [String]) -> [String] {
        var normalised = lines.map(OutputNormalizer.normalize)
        while normalised.last?.isEmpty == true { normalised.removeLast() }
        return normalised
    }
}

/// What the transcript check ignores when it compares output: values that change from run to run.
///
/// Both the chapter's lines and the real output go through `normalize`, so a chapter shows real
/// output and the comparison ignores only these parts. Keep this list short and explicit, and
/// the same as `scripts/follow-chapter.py`'s, which applies these rules when it follows a chapter.
enum OutputNormalizer {
    /// Header fields whose values depend on the clock or on file modification times
    /// (matched case-insensitively, also after curl -v's `< ` and `> ` prefixes).
    static let volatileHeaderPattern = #"^([<>] )?(date|last-modified|etag)(:).*$"#

    /// Timing numbers and clock times, as (pattern, replacement template) pairs.
    static let timingPatterns: [(pattern: String, template: String)] = [
        // `time` output: "real 0m0.004s", "user\t0.00"
        (#"\b(real|user|sys)(\s+)[0-9][0-9hms.:]*"#, "$1$2<time>"),
        // curl -w timing variables written as "time_total=%{time_total}"
        (#"\b(time_[a-z_]+)=[0-9.]+"#, "$1=<time>"),
        // durations such as 0.004s, 12ms, 850µs
        (#"\b[0-9]+(\.[0-9]+)?(ns|us|µs|ms|s)\b"#, "<duration>"),
        // and with a space, as a start-up line writes them: "loaded … in 1,375 ms"
        (#"\b[0-9][0-9,]* ms\b"#, "<duration>"),
        // RFC 3339 times in UTC, as the cache tool prints them: 2026-12-01T23:26:32Z
        (#"\b[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\b"#, "<time>"),
    ]

    /// `line` with `\r` and trailing whitespace removed and volatile values replaced by placeholders.
    static func normalize(_ line: String) -> String {
        var text = line.replacingOccurrences(of: "\r", with: "").trimmingTrailingWhitespace()
        text = replacing(volatileHeaderPattern, in: text, with: "$1$2$3 <value>", options: .caseInsensitive)
        for (pattern, template) in timingPatterns {
            text = replacing(pattern, in: text, with: template)
        }
        return text
    }

    static func replacing(_ pattern: String, in text: String, with template: String,
                          options: NSRegularExpression.Options = []) -> String {
        // The patterns are constants of this file: a bad one is a programming error.
        let regex = try! NSRegularExpression(pattern: pattern, options: options)
        return regex.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: template)
    }
}
