import HTTPCore
import Testing
@testable import Step1Origin

@Suite("A delayed handler answers like the one it wraps, later", .timeLimit(.minutes(1)))
struct DelayedHandlerTests {
    /// A handler that always answers 204.
    struct NoContent: HTTPHandler {
        func respond(to request: HTTPRequest) -> HTTPResponse { HTTPResponse(status: .noContent) }
    }

    @Test("The response comes from the wrapped handler after at least the delay", arguments: [
        Duration.zero, .milliseconds(50), .milliseconds(120),
    ])
    func delays(delay: Duration) {
        let handler = DelayedHandler(NoContent(), delay: delay)
        let head = HTTPRequestHead(method: .get, target: "/", version: .http1_1, headerFields: [:])
        let request = HTTPRequest(head: head)
        let clock = ContinuousClock()
        let start = clock.now
        let response = handler.respond(to: request)
        #expect(clock.now - start >= delay)
        #expect(response.status == .noContent)
    }
}
