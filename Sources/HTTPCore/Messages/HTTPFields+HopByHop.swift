extension HTTPFields {
    /// The names of the fields that always describe one connection, never the message.
    ///
    /// RFC 9110 §7.6.1 names Connection, Proxy-Connection, Keep-Alive, TE, Transfer-Encoding
    /// and Upgrade; Trailer comes from RFC 2616 §13.5.1, and nginx drops it too. Proxy-Connection
    /// is covered by the `Proxy-` prefix below.
    private static let hopByHopNames = ["Connection", "Keep-Alive", "TE", "Trailer", "Transfer-Encoding", "Upgrade"]

    /// These fields without the hop-by-hop ones, so that what remains can be forwarded: removes
    /// `Connection` and every field it names, `Keep-Alive`, `TE`, `Trailer`, `Transfer-Encoding`,
    /// `Upgrade` and every `Proxy-*` field, and keeps the rest in order.
    ///
    /// A proxy calls it on both the request it forwards and the response it relays; the message
    /// framing (`Content-Length`) is left to whoever serializes the message.
    public func removingHopByHopFields() -> HTTPFields {
        // RFC 9110 §7.6.1: a proxy must remove the fields the Connection field lists, since they
        // were meant for this connection only (e.g. `Connection: X-Foo` makes X-Foo hop-by-hop).
        let connectionOptions = listElements(for: "Connection")
        var fields = self
        fields.removeAll { field in
            Self.hopByHopNames.contains(where: field.name.equalsIgnoringASCIICase)
                || connectionOptions.contains(where: field.name.equalsIgnoringASCIICase)
                // RFC 9110 §11.7.1, §11.7.2: Proxy-Authenticate and Proxy-Authorization are
                // between a client and the proxy it talks to; Proxy-Connection is the pre-standard
                // Connection. No Proxy-* field is meant for the next hop.
                || field.name.prefix(6).equalsIgnoringASCIICase("Proxy-")
        }
        return fields
    }
}
