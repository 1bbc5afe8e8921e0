import Foundation
import HTTPCore
import TestSupport
@testable import Step1Origin

/// A root directory for one test, with known files, secrets just outside it and symlinks
/// pointing both ways; removed when the last copy is released.
///
/// Layout, under a fresh temporary directory:
/// ```
/// root/1.jpg             1000 known bytes      root/link-in.jpg  -> 1.jpg
/// root/empty.txt         0 bytes               root/link-out.jpg -> ../outside/secret.txt
/// root/photos/2.png      a small file          root/link-dir-out -> ../outside
/// root/café.txt          a UTF-8 name          root/.hidden      a hidden file
/// outside/secret.txt, etc/passwd, x            the secret, where an escape would find it
/// ```
struct OriginFixture {
    /// The bytes of `root/1.jpg`.
    static let image: [UInt8] = (0..<1000).map { UInt8($0 % 251) }
    /// The bytes of every file outside the root; no response may ever carry them.
    static let secret = Array("TOP SECRET: outside the root\n".utf8)
    /// The modification time of every file in the root: 2023-11-14 22:13:20 GMT.
    static let modificationTime: Int64 = 1_700_000_000
    /// `Last-Modified` of every file in the root.
    static let lastModified = "Tue, 14 Nov 2023 22:13:20 GMT"
    /// The ETag of `1.jpg`: mtime and size (1000 = 0x3e8) in hex, as nginx makes it.
    static let imageTag = "\"6553f100-3e8\""

    let directory: TemporaryDirectory
    let server: FileServer

    /// Creates the layout and a server for its root.
    init() throws {
        directory = try TemporaryDirectory()
        let base = directory.path
        for name in ["outside/secret.txt", "etc/passwd", "x"] {
            try directory.write(name, Self.secret)
        }
        let files: [(String, [UInt8])] = [
            ("root/1.jpg", Self.image), ("root/empty.txt", []), ("root/photos/2.png", [0x89, 0x50, 0x4E, 0x47]),
            ("root/café.txt", Array("café\n".utf8)), ("root/.hidden", Array("hidden\n".utf8)),
        ]
        let fileManager = FileManager.default
        let date = Date(timeIntervalSince1970: TimeInterval(Self.modificationTime))
        for (name, bytes) in files {
            let path = try directory.write(name, bytes)
            try fileManager.setAttributes([.modificationDate: date], ofItemAtPath: path)
        }
        try fileManager.createSymbolicLink(atPath: base + "/root/link-in.jpg", withDestinationPath: "1.jpg")
        try fileManager.createSymbolicLink(atPath: base + "/root/link-out.jpg",
                                           withDestinationPath: "../outside/secret.txt")
        try fileManager.createSymbolicLink(atPath: base + "/root/link-dir-out", withDestinationPath: "../outside")
        server = try FileServer(root: base + "/root")
    }

    /// The path of `name` inside the root.
    func path(_ name: String) -> String { server.root + "/" + name }

    /// The server's response to a request with this method, target and header fields.
    func respond(_ method: HTTPMethod = .get, _ target: String, _ headerFields: HTTPFields = [:]) -> HTTPResponse {
        let head = HTTPRequestHead(method: method, target: target, version: .http1_1, headerFields: headerFields)
        return server.respond(to: HTTPRequest(head: head))
    }
}

extension HTTPResponseBody {
    /// The bytes this body would send; a `.file` body is read with `pread(2)`, as `sendfile` would.
    var sentBytes: [UInt8] {
        switch self {
        case .empty:
            return []
        case .bytes(let bytes):
            return bytes
        case .file(let file, let offset, let count):
            var bytes = [UInt8](repeating: 0, count: Int(count))
            let read = bytes.withUnsafeMutableBytes {
                pread(file.descriptor, $0.baseAddress, Int(count), off_t(offset))
            }
            return Array(bytes.prefix(max(read, 0)))
        case .stream(_, let producer):
            var bytes: [UInt8] = []
            try? producer { bytes += $0 }
            return bytes
        }
    }

    /// The offset and count of a `.file` body, or `nil` for any other body.
    var fileSlice: (offset: Int64, count: Int64)? {
        if case .file(_, let offset, let count) = self { (offset, count) } else { nil }
    }
}
