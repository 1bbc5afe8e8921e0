#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import Synchronization

/// An HTTP/1.1 server: one listening socket, one `Thread` per connection, a connection cap.
///
/// Lifecycle (a `Service`): `init` binds and listens (so `port` is known at once), `start()`
/// begins accepting, `shutdown()` stops accepting and lets responses in flight finish, and
/// `waitUntilStopped()` returns once every connection has closed. `run()` does all of it for
/// a command-line program, with SIGINT and SIGTERM as the shutdown signal; a program with more
/// than one service puts them in a `ServiceGroup` instead.
public final class HTTPServer: Sendable {
    public let configuration: ServerConfiguration
    /// The port the server listens on; the real one when the configuration asked for port 0.
    public let port: Int
    /// The most connections served at once: the configuration's cap, lowered if the process
    /// may not open enough files for that many (see `DescriptorLimit`).
    public let maxConnections: Int

    private let listener: Socket
    private let handler: any HTTPHandler
    private let isStopping = Atomic<Bool>(false)
    /// Taken before each `accept`, returned when a connection closes: overload waits in the
    /// kernel's backlog instead of spawning unbounded threads.
    private let connectionSlots: DispatchSemaphore
    /// Entered for the accept loop and each connection; empty once everything has stopped.
    private let activity = DispatchGroup()
    /// The open connections, and which are idle, for making room at the cap.
    private let connections = ConnectionRegistry()

    /// Binds `configuration.host:configuration.port` and starts listening (not yet accepting).
    ///
    /// Raises the process's open-file limit as far as it may go, and lowers the connection cap
    /// to what the limit allows (`DescriptorLimit.connectionCap`).
    public init(configuration: ServerConfiguration, handler: some HTTPHandler) throws(SocketError) {
        self.configuration = configuration
        self.handler = handler
        self.listener = try Socket.listen(host: configuration.host, port: configuration.port)
        self.port = listener.localPort
        maxConnections = DescriptorLimit.connectionCap(requested: configuration.maxConnections,
                                                       openFileLimit: DescriptorLimit.raiseToHardLimit(),
                                                       perConnection: configuration.descriptorsPerConnection)
        self.connectionSlots = DispatchSemaphore(value: maxConnections)
    }

    /// The server's base URL, e.g. `http://127.0.0.1:8000`.
    public var url: String {
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        return "http://\(host):\(port)"
    }

    /// Whether `shutdown()` has been called.
    public var isShuttingDown: Bool { isStopping.load(ordering: .relaxed) }

    // MARK: - Accepting connections

    /// Starts accepting connections on a thread of its own and returns.
    public func start() {
        // A client that disconnects mid-response must not kill the process with SIGPIPE
        // (sends use MSG_NOSIGNAL; sendfile has no such flag).
        signal(SIGPIPE, SIG_IGN)
        activity.enter()
        let thread = Thread { [self] in
            acceptLoop()
            activity.leave()
        }
        thread.name = "accept"
        thread.start()
    }

    // ANCHOR: accept-loop
    private func acceptLoop() {
        while waitForConnectionSlot() {
            let accepted: (socket: Socket, remoteAddress: ClientAddress)
            do {
                accepted = try listener.accept()
            } catch {
                connectionSlots.signal()
                if isShuttingDown { return }
                // EMFILE and friends: back off briefly instead of spinning.
                Thread.sleep(forTimeInterval: 0.01)
                continue
            }
            activity.enter()
            let (socket, remoteAddress) = accepted
            let thread = Thread { [self] in
                // The connection is released (and leaves the registry) before its slot is given back.
                do {
                    HTTPConnection(socket: socket, remoteAddress: remoteAddress, configuration: configuration, handler: handler,
                                   registry: connections, isShuttingDown: { [self] in isShuttingDown }).run()
                }
                connectionSlots.signal()
                activity.leave()
            }
            // Threads start with an 8 MiB stack by default; a connection needs far less, and
            // hundreds of them at once should not reserve gigabytes of address space.
            thread.stackSize = 512 * 1024
            thread.start()
        }
    }
    // ANCHOR_END: accept-loop

    // ANCHOR: connection-slot
    /// Takes a connection slot, waiting while all are in use; `false` once shutting down.
    ///
    /// At the cap, a client waiting in the backlog makes the server close the connection idle
    /// for longest, as nginx does when it runs out of connections. Without that, a thousand
    /// idle keep-alive (or slowloris) connections would lock every new client out until their
    /// idle timeouts expired.
    private func waitForConnectionSlot() -> Bool {
        if connectionSlots.wait(timeout: .now()) == .success { return true }
        while !isShuttingDown {
            if (try? listener.waitForInput(until: .now)) == true {
                connections.reclaimLongestIdle()
            }
            if connectionSlots.wait(timeout: .now() + .milliseconds(20)) == .success {
                if isShuttingDown { connectionSlots.signal() }
                return !isShuttingDown
            }
        }
        return false
    }
    // ANCHOR_END: connection-slot

    // MARK: - Shutting down

    /// Stops accepting new connections; connections finish their current response and close.
    public func shutdown() {
        guard !isStopping.exchange(true, ordering: .relaxed) else { return }
        // shutdown(), not close(), wakes the thread blocked in accept().
        listener.shutdown()
    }

    /// Waits until the accept loop and every connection have finished, or `timeout` passes.
    ///
    /// - Returns: `true` when everything finished in time.
    @discardableResult
    public func waitUntilStopped(timeout: Duration? = nil) -> Bool {
        guard let timeout else {
            activity.wait()
            return true
        }
        return activity.wait(timeout: .now() + timeout.dispatchInterval) == .success
    }

    // ANCHOR: run
    /// Runs a command-line server on its own: a `ServiceGroup` of one. It starts, prints
    /// `listening on URL`, and on SIGINT or SIGTERM shuts down gracefully and returns (the
    /// program then exits 0).
    public func run() {
        ServiceGroup([self], gracePeriod: configuration.shutdownGracePeriod).run {
            announce()
        }
    }
    // ANCHOR_END: run

    /// Prints `listening on URL` on standard output, flushed (tests and scripts wait for this
    /// line), and a note on standard error when the open-file limit lowered the cap.
    public func announce() {
        print("listening on \(url)")
        fflush(nil)
        if maxConnections < configuration.maxConnections {
            let note = "note: at most \(maxConnections) connections at once, not \(configuration.maxConnections): "
                + "the open-file limit allows no more (raise it with ulimit -n)\n"
            _ = note.withCString { write(STDERR_FILENO, $0, strlen($0)) }
        }
    }
}
