#if canImport(Glibc)
import Glibc
#endif

/// The process's open-file limit (`RLIMIT_NOFILE`), and the connection cap it allows.
///
/// Every connection holds descriptors: its socket, and a file or an upstream connection while it
/// answers. A cap above what the limit allows does not protect anything: the 1,025th descriptor
/// fails with `EMFILE` in the middle of some request. So a server raises its soft limit as far as
/// the hard limit lets it (as nginx's `worker_rlimit_nofile` does by configuration) and caps its
/// connections at what then fits.
public enum DescriptorLimit {
    /// Descriptors one connection may hold at once: its socket and one file or upstream socket.
    public static let descriptorsPerConnection = 2
    /// Descriptors kept for everything else: standard streams, listeners, idle pooled upstream
    /// connections, files a step opens outside any request.
    public static let reservedDescriptors = 128

    /// Raises the soft open-file limit to the hard limit and returns the soft limit in force.
    @discardableResult
    public static func raiseToHardLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)  // RLIM_INFINITY, all ones, clamps to Int.max
    }

    /// The connection cap to use: `requested`, lowered so that the connections' descriptors
    /// (`perConnection` each) and the reserve fit within `openFileLimit`; at least 1.
    public static func connectionCap(requested: Int, openFileLimit: Int, perConnection: Int = descriptorsPerConnection) -> Int {
        let available = openFileLimit > reservedDescriptors ? openFileLimit - reservedDescriptors : 0
        return max(1, min(requested, available / max(1, perConnection)))
    }
}
