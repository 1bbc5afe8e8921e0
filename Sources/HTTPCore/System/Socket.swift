#if canImport(Glibc)
import Glibc
#endif
import CSystemShims

/// A TCP socket: the only type in the project that makes socket system calls.
///
/// Every descriptor is created with `SOCK_CLOEXEC`, so a step that runs a child process never
/// leaks connections into it. The descriptor is closed when the `Socket` is released.
/// Connections are non-blocking underneath but read as blocking calls with deadlines: every
/// read and write tries first and, when the kernel says "not yet", waits with `poll()`. A read
/// waits until a deadline; a write may stall (make no progress) for at most its timeout, which
/// is nginx's `send_timeout`: a slow reader that keeps taking bytes is served, one that stops is
/// dropped once the timeout passes, however many partial writes came before.
public final class Socket: Sendable {
    public let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    // MARK: - Listening and accepting

    /// A socket bound to `host:port` and listening; port 0 lets the kernel pick a free port.
    public static func listen(host: String, port: Int, backlog: Int32 = 1024) throws(SocketError) -> Socket {
        let address = try resolve(host: host, port: port, passive: true)
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system(call: "socket", errno: errno) }
        let listener = Socket(descriptor: fd)
        // Restarting a server must not wait for TIME_WAIT connections of the previous run.
        listener.setOption(SOL_SOCKET, SO_REUSEADDR, 1)
        let bound = address.withSockaddr { bind(fd, $0, $1) }
        guard bound == 0 else { throw .system(call: "bind \(host):\(port)", errno: errno) }
        guard Glibc.listen(fd, backlog) == 0 else { throw .system(call: "listen", errno: errno) }
        return listener
    }

    /// The local port this socket is bound to (the real one when bound to port 0).
    public var localPort: Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return SocketAddress(storage: storage).port
    }

    /// Waits for the next connection; `TCP_NODELAY` and `O_NONBLOCK` are set on it.
    ///
    /// Throws once `shutdown()` was called on this socket from another thread.
    public func accept() throws(SocketError) -> (socket: Socket, remoteAddress: ClientAddress) {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        while true {
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    shim_accept4(descriptor, $0, &length, Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue))
                }
            }
            if fd >= 0 {
                let connection = Socket(descriptor: fd)
                // Without TCP_NODELAY every keep-alive response waits ~40 ms for a delayed ACK (Nagle).
                connection.setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1)
                return (connection, SocketAddress(storage: storage).clientAddress)
            }
            switch errno {
            case EINTR, ECONNABORTED: continue
            case let code: throw .system(call: "accept", errno: code)
            }
        }
    }

    // MARK: - Connecting

    /// A connection to `host:port`, established within `timeout`; `TCP_NODELAY` is set on it.
    public static func connect(host: String, port: Int, timeout: Duration) throws(SocketError) -> Socket {
        let address = try resolve(host: host, port: port, passive: false)
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw .system(call: "socket", errno: errno) }
        let connection = Socket(descriptor: fd)
        let result = address.withSockaddr { Glibc.connect(fd, $0, $1) }
        if result != 0 {
            guard errno == EINPROGRESS else { throw .system(call: "connect", errno: errno) }
            try connection.waitUntilReady(events: Int16(POLLOUT), deadline: .now + timeout)
            var failure: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &length)
            guard failure == 0 else { throw .system(call: "connect", errno: failure) }
        }
        connection.setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        return connection
    }

    // MARK: - Options

    private func setOption(_ level: Int32, _ name: Int32, _ value: Int32) {
        var value = value
        setsockopt(descriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    // MARK: - Reading

    /// Waits until the socket is readable (bytes, end of stream or an error are waiting) or
    /// `deadline` passes; `false` on timeout. A deadline already past still looks once.
    public func waitForInput(until deadline: ContinuousClock.Instant) throws(SocketError) -> Bool {
        do {
            try waitUntilReady(events: Int16(POLLIN), deadline: deadline)
            return true
        } catch .timedOut {
            return false
        }
    }

    // ANCHOR: deadline-read
    /// Reads what has arrived (at most `buffer.count` bytes), waiting no later than `deadline`.
    ///
    /// - Returns: the number of bytes read, 0 when the peer has closed its side.
    /// - Throws: `.connectionReset` when the peer reset the connection, `.timedOut` at the deadline.
    public func read(into buffer: UnsafeMutableRawBufferPointer, deadline: ContinuousClock.Instant) throws(SocketError) -> Int {
        while true {
            // Try first: under load the bytes are usually there already, and a poll() would be
            // one more system call per request.
            let count = recv(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
            if count >= 0 { return count }
            switch errno {
            case EINTR: continue
            // A reset is not an end of data: the peer gave up, so what came before may be cut short.
            case ECONNRESET: throw .connectionReset
            // Nothing yet: wait with poll(), bounded by the deadline. A per-read timeout alone
            // would let a client that trickles one byte at a time hold the connection forever.
            case EAGAIN: try waitUntilReady(events: Int16(POLLIN), deadline: deadline)
            case let code: throw .system(call: "recv", errno: code)
            }
        }
    }
    // ANCHOR_END: deadline-read

    /// Waits with `poll()` until `events` (or an error or hang-up) are signalled or `deadline`
    /// passes. It always polls at least once, so a deadline of `.now` asks "ready right now?".
    private func waitUntilReady(events: Int16, deadline: ContinuousClock.Instant) throws(SocketError) {
        var entry = pollfd(fd: descriptor, events: events, revents: 0)
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            let milliseconds = remaining <= .zero ? 0 : Int32(clamping: remaining.components.seconds * 1000
                + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
            let ready = poll(&entry, 1, milliseconds)
            if ready > 0 { return }
            if ready < 0, errno != EINTR { throw .system(call: "poll", errno: errno) }
            if ready == 0, milliseconds == 0 { throw .timedOut }
        }
    }

    /// Waits until a write can make progress, at most until `stallDeadline`, which is set on the
    /// first wait after progress: the clock runs only while the peer takes nothing.
    private func waitForOutput(stallDeadline: inout ContinuousClock.Instant?, timeout: Duration) throws(SocketError) {
        let deadline = stallDeadline ?? .now + timeout
        stallDeadline = deadline
        try waitUntilReady(events: Int16(POLLOUT), deadline: deadline)
    }

    /// The error a failed send, sendmsg or sendfile means; `nil` to try again at once (EINTR).
    private static func writeFailure(_ call: String, errno code: Int32) -> SocketError? {
        switch code {
        case EINTR: nil
        case EPIPE, ECONNRESET: .connectionClosed
        default: .system(call: call, errno: code)
        }
    }

    // MARK: - Writing

    /// Writes all of each buffer in turn with as few system calls as possible (`writev`), so a
    /// small response (its head and body, or a chunk's size line, data and CRLF) leaves in one packet.
    ///
    /// - Throws: `.timedOut` when the peer took no bytes for `timeout`.
    public func write(_ buffers: UnsafeRawBufferPointer..., timeout: Duration) throws(SocketError) {
        var vectors = buffers.map { iovec(iov_base: UnsafeMutableRawPointer(mutating: $0.baseAddress), iov_len: $0.count) }
        var remaining = buffers.reduce(0) { $0 + $1.count }
        var index = 0
        var stallDeadline: ContinuousClock.Instant?
        while remaining > 0 {
            var message = msghdr()
            let written = vectors.withUnsafeMutableBufferPointer { buffer in
                message.msg_iov = buffer.baseAddress! + index
                message.msg_iovlen = buffer.count - index
                // MSG_NOSIGNAL: a client that went away is an error to handle, not a SIGPIPE.
                return sendmsg(descriptor, &message, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EAGAIN {
                    try waitForOutput(stallDeadline: &stallDeadline, timeout: timeout)
                } else if let failure = Self.writeFailure("sendmsg", errno: errno) {
                    throw failure
                }
                continue
            }
            stallDeadline = nil
            remaining -= written
            var advance = written
            while index < vectors.count, advance >= vectors[index].iov_len {
                advance -= vectors[index].iov_len
                index += 1
            }
            if index < vectors.count, advance > 0 {
                vectors[index].iov_base += advance
                vectors[index].iov_len -= advance
            }
        }
    }

    /// Writes `bytes` but asks the kernel to hold them until more data follows (`MSG_MORE`), so
    /// a response head and the file body after it leave together.
    public func writeHead(_ bytes: UnsafeRawBufferPointer, moreFollows: Bool, timeout: Duration) throws(SocketError) {
        guard moreFollows else { return try write(bytes, timeout: timeout) }
        var offset = 0
        var stallDeadline: ContinuousClock.Instant?
        while offset < bytes.count {
            let written = send(descriptor, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL | MSG_MORE))
            if written < 0 {
                if errno == EAGAIN {
                    try waitForOutput(stallDeadline: &stallDeadline, timeout: timeout)
                } else if let failure = Self.writeFailure("send", errno: errno) {
                    throw failure
                }
                continue
            }
            stallDeadline = nil
            offset += written
        }
    }

    /// Sends `count` bytes of the file `fileDescriptor` from `offset` with `sendfile(2)`: the
    /// bytes go from the page cache to the socket without being copied through this process.
    ///
    /// - Throws: `.timedOut` when the peer took no bytes for `timeout`.
    public func sendFile(_ fileDescriptor: Int32, offset: Int64, count: Int64, timeout: Duration) throws(SocketError) {
        var position = off_t(offset)
        var remaining = count
        var stallDeadline: ContinuousClock.Instant?
        while remaining > 0 {
            let sent = sendfile(descriptor, fileDescriptor, &position, Int(min(remaining, 1 << 30)))
            if sent < 0 {
                if errno == EAGAIN {
                    try waitForOutput(stallDeadline: &stallDeadline, timeout: timeout)
                } else if let failure = Self.writeFailure("sendfile", errno: errno) {
                    throw failure
                }
                continue
            }
            // The file shrank under us: the response would be truncated, so fail it.
            if sent == 0 { throw .connectionClosed }
            stallDeadline = nil
            remaining -= Int64(sent)
        }
    }

    // MARK: - Closing

    /// Stops further sends (`SHUT_WR`): the peer reads end-of-file after what was sent.
    public func shutdownWrite() { Glibc.shutdown(descriptor, Int32(SHUT_WR)) }

    /// Stops both directions; this is what wakes a thread blocked in `accept()` (close does not).
    public func shutdown() { Glibc.shutdown(descriptor, Int32(SHUT_RDWR)) }

    // MARK: - Addresses

    private static func resolve(host: String, port: Int, passive: Bool) throws(SocketError) -> SocketAddress {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw .unresolvableHost(host)
        }
        defer { freeaddrinfo(list) }
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        }
        return SocketAddress(storage: storage)
    }
}
