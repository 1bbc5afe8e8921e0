#if canImport(Glibc)
import Glibc
#endif

/// One line per request, in nginx's `combined` format followed by the request time in seconds:
///
///     127.0.0.1 - - [21/Nov/2026:08:15:02 +0000] "GET /1.jpg HTTP/1.1" 200 5465 "-" "curl/7.88.1" 0.000
///
/// Each line is one `write(2)` to standard error, as nginx writes its access log when no
/// `buffer=` is set. A shared buffer behind a lock looked cheaper but measured far slower: with
/// 64 connection threads, contention on the lock took over a third of the server's time. One
/// write keeps lines whole in a file or on a terminal; on a pipe, the kernel keeps a write whole
/// only up to `PIPE_BUF` (4,096 bytes), so a line longer than that (an 8 KB request line) may
/// interleave with another connection's line there.
///
/// What clients send is escaped as nginx escapes it: `"`, `\`, control bytes and bytes above
/// 0x7E become `\xHH`, so a request line or User-Agent can never close its quoted field and
/// forge the fields after it.
public final class AccessLog: Sendable {
    /// One finished request, as the log sees it.
    public struct Entry: Sendable {
        public var remoteAddress: ClientAddress?
        /// The request line as received, or `-` when none could be parsed.
        public var requestLine: String
        public var status: Int
        /// Content bytes sent (nginx's `$body_bytes_sent`).
        public var bodyBytes: Int64
        public var referer: String?
        public var userAgent: String?
        public var duration: Duration

        public init(remoteAddress: ClientAddress?, requestLine: String, status: Int, bodyBytes: Int64,
                    referer: String?, userAgent: String?, duration: Duration) {
            self.remoteAddress = remoteAddress
            self.requestLine = requestLine
            self.status = status
            self.bodyBytes = bodyBytes
            self.referer = referer
            self.userAgent = userAgent
            self.duration = duration
        }
    }

    /// Logs to standard error, the default for every step.
    public static let standardError = AccessLog(descriptor: STDERR_FILENO, sink: nil)
    /// Logs nothing (tests, benchmarks of the log's cost).
    public static let disabled = AccessLog(descriptor: nil, sink: nil)

    private let descriptor: Int32?
    private let sink: (@Sendable (Entry) -> Void)?

    private init(descriptor: Int32?, sink: (@Sendable (Entry) -> Void)?) {
        self.descriptor = descriptor
        self.sink = sink
    }

    /// A log that hands every entry to `sink` (tests use it to see what was logged).
    public convenience init(sink: @escaping @Sendable (Entry) -> Void) {
        self.init(descriptor: nil, sink: sink)
    }

    /// Records one request.
    public func record(_ entry: Entry) {
        if let sink { return sink(entry) }
        guard let descriptor else { return }
        var line = format(entry)
        line.withUTF8 { bytes in
            // One write per line, so lines from concurrent connections never interleave.
            _ = write(descriptor, bytes.baseAddress, bytes.count)
        }
    }

    /// The log line for `entry`, ending in a newline.
    public func format(_ entry: Entry) -> String {
        let host = entry.remoteAddress.map { "\($0.host)" } ?? "-"
        let seconds = Double(entry.duration.components.seconds) + Double(entry.duration.components.attoseconds) / 1e18
        let milliseconds = Int((seconds * 1000).rounded())
        let time = "\(milliseconds / 1000).\(String(milliseconds % 1000).leftPadded(to: 3))"
        return "\(host) - - [\(Self.localTime())] \"\(Self.escape(entry.requestLine))\" \(entry.status) \(entry.bodyBytes) "
            + "\"\(Self.escape(entry.referer ?? "-"))\" \"\(Self.escape(entry.userAgent ?? "-"))\" \(time)\n"
    }

    /// `text` with `"`, `\`, control bytes and bytes above 0x7E written as `\xHH`, as nginx's
    /// access log writes variables (`escape=default`).
    public static func escape(_ text: String) -> String {
        let bytes = text.utf8
        guard bytes.contains(where: needsEscaping) else { return text }
        var escaped: [UInt8] = []
        escaped.reserveCapacity(bytes.count + 16)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in bytes {
            if needsEscaping(byte) {
                escaped += [UInt8(ascii: "\\"), UInt8(ascii: "x"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            } else {
                escaped.append(byte)
            }
        }
        return String(decoding: escaped, as: UTF8.self)
    }

    private static func needsEscaping(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte > 0x7E || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    /// The current time in nginx's `$time_local` form, `21/Nov/2026:08:15:02 +0000`.
    private static func localTime() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var text = [CChar](repeating: 0, count: 64)
        let count = strftime(&text, text.count, "%d/%b/%Y:%H:%M:%S %z", &parts)
        return String(decoding: text.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
