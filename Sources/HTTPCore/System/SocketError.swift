#if canImport(Glibc)
import Glibc
#endif

/// Why a socket operation failed.
public enum SocketError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed with this errno.
    case system(call: String, errno: Int32)
    /// The host name could not be resolved to an address.
    case unresolvableHost(String)
    /// The deadline passed before the socket was ready.
    case timedOut
    /// The peer closed the connection before the operation completed.
    case connectionClosed
    /// The peer reset the connection (`ECONNRESET`): unlike a clean close, what arrived before
    /// may be incomplete, so a body delimited by the close must not count as complete.
    case connectionReset

    public var description: String {
        switch self {
        case let .system(call, code): "\(call): \(String(cString: strerror(code)))"
        case let .unresolvableHost(host): "cannot resolve host \(host)"
        case .timedOut: "timed out"
        case .connectionClosed: "connection closed by peer"
        case .connectionReset: "connection reset by peer"
        }
    }
}
