/// Where a fleet's Redis is: `redis://HOST[:PORT][/DB]`, port 6379 and database 0 by default.
struct FleetAddress: Sendable, Equatable, CustomStringConvertible {
    let host: String
    let port: Int
    let database: Int

    init?(url: String) {
        guard url.hasPrefix("redis://") else { return nil }
        var rest = url.dropFirst("redis://".count)
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let number = rest[rest.index(after: slash)...]
            if !number.isEmpty {
                guard let parsed = Int(number), (0...15).contains(parsed) else { return nil }
                database = parsed
            }
            rest = rest[..<slash]
        }
        var host = rest[...], port = 6379
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let parsed = Int(after.dropFirst()), (1...65535).contains(parsed) else { return nil }
                port = parsed
            }
        } else if let colon = rest.lastIndex(of: ":") {
            guard let parsed = Int(rest[rest.index(after: colon)...]), (1...65535).contains(parsed) else { return nil }
            port = parsed
            host = rest[..<colon]
        }
        guard !host.isEmpty, !host.contains("@") else { return nil }
        self.host = String(host)
        self.port = port
        self.database = database
    }

    var description: String {
        "redis://\(host.contains(":") ? "[\(host)]" : host):\(port)" + (database == 0 ? "" : "/\(database)")
    }
}
