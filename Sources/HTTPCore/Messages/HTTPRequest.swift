/// A complete request: its head and its content, already de-chunked.
public struct HTTPRequest: Sendable {
    public var head: HTTPRequestHead
    public var body: [UInt8]
    /// The peer's address, for logs and access control; `nil` for a request made in-process.
    public var remoteAddress: ClientAddress?

    public init(head: HTTPRequestHead, body: [UInt8] = [], remoteAddress: ClientAddress? = nil) {
        self.head = head
        self.body = body
        self.remoteAddress = remoteAddress
    }

    public var method: HTTPMethod { head.method }
    public var target: String { head.target }
    public var headerFields: HTTPFields { head.headerFields }
}
