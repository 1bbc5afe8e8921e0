/// A part of a program that runs until it is told to stop: a server, a periodic sweep.
///
/// The lifecycle every service shares, so that one `ServiceGroup` can start several and stop
/// them together: `start()` begins the work on threads of the service's own and returns;
/// `shutdown()` takes no new work but lets work in flight finish; `waitUntilStopped(timeout:)`
/// returns once it has.
public protocol Service: Sendable {
    /// Begins the service's work and returns.
    func start()
    /// Stops taking new work; work in flight goes on to its end.
    func shutdown()
    /// Waits until the work in flight has finished, or `timeout` passes (`nil`: no limit).
    ///
    /// - Returns: `true` when everything finished in time.
    @discardableResult
    func waitUntilStopped(timeout: Duration?) -> Bool
}

extension HTTPServer: Service {}
