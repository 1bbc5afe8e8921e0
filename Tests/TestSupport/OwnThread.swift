import Foundation

/// Runs `work`, which blocks (sockets, processes, sleeps), on a thread of its own, and waits for
/// its result without holding one of Swift's cooperative threads meanwhile.
///
/// Why: Swift Testing runs every test on the cooperative pool, one thread per core. A test that
/// blocks holds one of them; when long blocking tests hold them all, the others wait, and a
/// test's time limit, whose clock is already running, passes before its body has begun. The
/// long waits (a chapter's transcripts, the side-by-side runs against nginx) go here instead, and
/// the test records its expectations on what comes back.
public func onOwnThread<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) async throws -> Result {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do {
                continuation.resume(returning: try work())
            } catch {
                continuation.resume(throwing: error)
            }
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
