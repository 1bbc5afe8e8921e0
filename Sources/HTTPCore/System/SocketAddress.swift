#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 socket address as the C API holds it.
struct SocketAddress {
    var storage: sockaddr_storage

    var family: Int32 { Int32(storage.ss_family) }

    var port: Int {
        withUnsafeBytes(of: storage) { raw in
            if family == AF_INET6 {
                Int(UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port))
            } else {
                Int(UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port))
            }
        }
    }

    /// The address as a typed value.
    var clientAddress: ClientAddress {
        withUnsafeBytes(of: storage) { raw in
            let bytes: [UInt8] = if family == AF_INET6 {
                withUnsafeBytes(of: raw.load(as: sockaddr_in6.self).sin6_addr) { Array($0) }
            } else {
                withUnsafeBytes(of: raw.load(as: sockaddr_in.self).sin_addr) { Array($0) }
            }
            return ClientAddress(host: ClientAddress.Host(bytes: bytes) ?? .ipv4(0, 0, 0, 0), port: port)
        }
    }

    func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        let length = family == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size
        return withUnsafeBytes(of: storage) { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(length))
        }
    }
}
