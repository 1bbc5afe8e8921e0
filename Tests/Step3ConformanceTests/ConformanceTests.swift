import Foundation
import HTTPCore
import Testing
import TestSupport
@testable import Step3MinUses

@Suite("Step3MinUses answers as nginx does with the workshop's configuration, side by side",
       .enabled(if: NginxServer.isInstalled, "nginx is not installed: apt-get install nginx-light"),
       .timeLimit(.minutes(3)))
struct ConformanceTests {
    @Test("Same statuses, X-Proxy-Cache, Content-Type, Content-Length, bodies, cookies and origin requests",
          arguments: ConformanceSequence.all)
    func sameAnswers(sequence: ConformanceSequence) async throws {
        // Seconds of waiting on two servers and an origin: off the test pool (see onOwnThread).
        let (nginx, step3) = try await onOwnThread { try SideBySide.run(sequence, makeProxy: Self.makeProxy) }
        // A Bool, so that a failure shows the table below rather than two transcripts on one line.
        let isIdentical = nginx == step3
        #expect(isIdentical, "\(SideBySide.table(sequence, nginx: nginx, step: step3, stepName: "Step3MinUses"))")
    }

    /// An in-process Step3MinUses in front of `upstream`, with the sequence's settings.
    static func makeProxy(upstream: UpstreamAddress, sequence: ConformanceSequence) throws -> ProxyUnderTest {
        var options = ProxyOptions()
        options.validity = try #require(Duration(nginxTime: sequence.validity))
        options.storesSetCookie = sequence.storesSetCookie
        let proxy = CachingProxy(upstream: upstream, upstreamTimeout: .seconds(10), policy: options.policy, cache: options.makeCache())
        let server = try TestServer(handler: proxy, configuration: ServerConfiguration(serverName: "Step3MinUses", accessLog: .disabled))
        return ProxyUnderTest(port: server.port, retained: [server])
    }
}

@Suite("nginx is available where CI runs", .timeLimit(.minutes(1)))
struct NginxAvailabilityTests {
    @Test("nginx is installed where CI runs, so the conformance suite is never skipped there",
          .enabled(if: ProcessInfo.processInfo.environment["CI"] != nil))
    func nginxIsInstalledInCI() {
        #expect(NginxServer.isInstalled, "CI must install nginx (apt-get install nginx-light), or the conformance suite is skipped")
    }
}

extension ConformanceTests {
    @Test("Where step 3 differs from nginx on purpose, both answers are as documented", arguments: DeliberateDifference.step3)
    func deliberateDifference(difference: DeliberateDifference) async throws {
        // Seconds of waiting on two servers and an origin: off the test pool (see onOwnThread).
        let (nginx, step3) = try await onOwnThread { try SideBySide.run(difference.sequence, makeProxy: Self.makeProxy) }
        let table = SideBySide.table(difference.sequence, nginx: nginx, step: step3, stepName: "Step3MinUses")
        #expect(nginx.summary == difference.nginx, "nginx changed: \(table)")
        #expect(step3.summary == difference.step, "\(difference.reason)\n\(table)")
    }
}
