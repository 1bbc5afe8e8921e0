import HTTPCore

// Step 1: a static origin server for the sample images. Parse the options, build the handler,
// serve until SIGINT or SIGTERM. Everything else lives in HTTPCore and FileServer.swift.

let options = CommandLineTool.parseOrExit(usage: OriginOptions.usage) { arguments throws(UsageError) in
    try OriginOptions(arguments: &arguments)
}

do {
    let files = try FileServer(root: options.root)
    let configuration = ServerConfiguration(host: options.host, port: options.port, serverName: "Step1Origin",
                                            maxConnections: options.maxConnections)
    let handler: any HTTPHandler = options.delay > .zero ? DelayedHandler(files, delay: options.delay) : files
    let server = try HTTPServer(configuration: configuration, handler: handler)
    server.run()
} catch {
    CommandLineTool.exit(because: "\(error)")
}
