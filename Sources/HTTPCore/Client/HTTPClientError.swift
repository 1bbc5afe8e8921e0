#if canImport(Glibc)
import Glibc
#endif

/// Why an upstream request failed; a proxy answers with `status`: 502, 504 for `timedOut`, 503
/// when this process ran out of descriptors, 500 for a request it could not send.
public enum HTTPClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No connection could be made (refused, unreachable, or not within the connect timeout).
    case connectFailed(SocketError)
    /// The upstream closed or reset the connection before a complete response head.
    case connectionClosed
    /// The response head is not valid HTTP/1.1.
    case invalidResponse(HTTPParseError)
    /// The upstream closed the connection before the end of the body it announced.
    case truncatedBody
    /// No response head (or no further body bytes) arrived within the response timeout.
    case timedOut
    /// The request itself could not be sent as it is: a target or a header field with a
    /// character that would break the request line or the head. Nothing was sent.
    case invalidRequest(String)

    // ANCHOR: status
    /// The status a proxy answers with (RFC 9110 §15.6.3 and §15.6.5).
    public var status: HTTPStatus {
        switch self {
        case .timedOut: .gatewayTimeout
        // The request came from this side: no upstream is to blame.
        case .invalidRequest: .internalServerError
        // Out of descriptors: this server is overloaded, the upstream did nothing wrong.
        case .connectFailed(.system(_, EMFILE)), .connectFailed(.system(_, ENFILE)): .serviceUnavailable
        default: .badGateway
        }
    }
    // ANCHOR_END: status

    // ANCHOR: reason
    /// One line saying what went wrong, naming `upstream`, such as
    /// `upstream http://127.0.0.1:8000 refused the connection`: the body of a proxy's 502 or 504.
    public func reason(upstream: UpstreamAddress) -> String {
        sentence(naming: "upstream \(upstream)")
    }
    // ANCHOR_END: reason

    public var description: String { sentence(naming: "upstream") }

    private func sentence(naming upstream: String) -> String {
        switch self {
        case .connectFailed(.system(_, ECONNREFUSED)): "\(upstream) refused the connection"
        case .connectFailed(.timedOut): "\(upstream) did not accept the connection in time"
        case .connectFailed(let error): "cannot connect to \(upstream): \(error)"
        case .connectionClosed: "\(upstream) closed the connection before a complete response"
        case .invalidResponse(let error): "\(upstream) sent an invalid response: \(error.reason)"
        case .truncatedBody: "\(upstream) closed the connection in the middle of the body"
        case .timedOut: "\(upstream) did not answer in time"
        case .invalidRequest(let reason): "cannot send the request to \(upstream): \(reason)"
        }
    }
}
