import Foundation
import HTTPCore

/// Step 1's command line: where to listen, which directory to serve, and an optional delay.
struct OriginOptions {
    static let usage = """
        usage: Step1Origin [--host ADDRESS] [--port PORT] [--root DIRECTORY] [--delay MS]
                           [--max-connections N]

        A static origin server for the workshop's sample images.

          --host ADDRESS    address to listen on (default 127.0.0.1)
          --port PORT       port to listen on, 0 for any free port (default 8000)
          --root DIRECTORY  directory to serve (default: the bundled sample images)
          --delay MS        wait this many milliseconds before each answer (default 0)
          --max-connections N
                            connections served at once; at the limit, idle ones are
                            closed to admit new clients (default 1024)
          -h, --help        show this help
        """

    var host = "127.0.0.1"
    var port = 8000
    var root = OriginOptions.bundledSampleImages
    var delay = Duration.zero
    var maxConnections = 1024

    /// Reads the options from `arguments`, leaving anything unknown for `finish()` to reject.
    init(arguments: inout CommandLineArguments) throws(UsageError) {
        host = try arguments.value(of: "--host") ?? host
        port = try arguments.value(of: "--port", as: .port) ?? port
        root = try arguments.value(of: "--root") ?? root
        delay = try arguments.value(of: "--delay", as: .milliseconds) ?? delay
        maxConnections = try arguments.value(of: "--max-connections", as: .positiveInteger) ?? maxConnections
    }

    /// The sample images copied into this executable's resource bundle by SwiftPM.
    static var bundledSampleImages: String {
        Bundle.module.path(forResource: "SampleImages", ofType: nil) ?? "SampleImages"
    }
}
