/// Why a request could not be read; each case maps to the status that answers it.
///
/// Every one of these is answered with its status and a short plain-text reason before the
/// connection is closed (the connection cannot stay in sync after a framing error).
public enum HTTPParseError: Error, Equatable, Sendable {
    /// The request line is longer than the limit (nginx: `large_client_header_buffers`).
    case requestLineTooLong
    /// The header section, or one field line, is larger than the limit, or has too many fields.
    case headerSectionTooLarge
    /// The request line is not `method SP target SP version`.
    case malformedRequestLine
    /// A response's status line is not `version SP status-code SP [reason]` (responses only).
    case malformedStatusLine
    /// A version other than HTTP/1.0 or HTTP/1.1.
    case unsupportedVersion
    /// A header line without a colon, an invalid name, or a control character in a value.
    case malformedHeaderField
    /// Whitespace between a field name and its colon (RFC 9112 §5.1).
    case whitespaceBeforeColon
    /// A line starting with whitespace: obsolete line folding (RFC 9112 §5.2).
    case obsoleteLineFolding
    /// An HTTP/1.1 request without exactly one `Host` field (RFC 9112 §3.2).
    case missingOrDuplicateHost
    /// A `Host` value that is not `host[:port]` (RFC 9112 §3.2, RFC 3986 §3.2.2).
    case invalidHost
    /// A `Content-Length` that is not a number, or several that disagree (RFC 9112 §6.3).
    case invalidContentLength
    /// Both `Content-Length` and `Transfer-Encoding` (RFC 9112 §6.1): a smuggling vector.
    case contentLengthWithTransferEncoding
    /// A transfer coding other than a final `chunked` (RFC 9112 §6.1).
    case unsupportedTransferCoding
    /// `Transfer-Encoding` that is not chunked last, or appears in an HTTP/1.0 request.
    case invalidTransferEncoding
    /// A chunk size line, chunk terminator or trailer section that is not well-formed (RFC 9112 §7.1).
    case malformedChunkedBody
    /// The request content is larger than the server accepts.
    case contentTooLarge
    /// A bare CR, a NUL or another byte that may not appear where it was found.
    case invalidCharacter
    /// The head was not complete before the deadline.
    case headTimeout
    /// The request content stopped arriving for longer than the server waits.
    case contentTimeout
    /// The client ended its side of the connection in the middle of a request.
    case incompleteRequest

    /// The status that answers this error.
    public var status: HTTPStatus {
        switch self {
        case .requestLineTooLong: .uriTooLong
        case .headerSectionTooLarge: .requestHeaderFieldsTooLarge
        case .unsupportedVersion: .httpVersionNotSupported
        case .unsupportedTransferCoding: .notImplemented
        // Only a response has a status line; a proxy that receives a bad one answers 502.
        case .malformedStatusLine: .badGateway
        case .contentTooLarge: .contentTooLarge
        case .headTimeout, .contentTimeout: .requestTimeout
        case .malformedRequestLine, .malformedHeaderField, .whitespaceBeforeColon,
             .obsoleteLineFolding, .missingOrDuplicateHost, .invalidHost, .invalidContentLength,
             .contentLengthWithTransferEncoding, .invalidTransferEncoding,
             .malformedChunkedBody, .invalidCharacter, .incompleteRequest:
            .badRequest
        }
    }

    /// A short reason for the response body, one line.
    public var reason: String {
        switch self {
        case .requestLineTooLong: "request line too long"
        case .headerSectionTooLarge: "header section too large"
        case .malformedRequestLine: "malformed request line"
        case .malformedStatusLine: "malformed status line"
        case .unsupportedVersion: "only HTTP/1.0 and HTTP/1.1 are supported"
        case .malformedHeaderField: "malformed header field"
        case .whitespaceBeforeColon: "whitespace between header name and colon"
        case .obsoleteLineFolding: "obsolete line folding is not allowed"
        case .missingOrDuplicateHost: "HTTP/1.1 requests need exactly one Host header"
        case .invalidHost: "invalid Host header"
        case .invalidContentLength: "invalid Content-Length"
        case .contentLengthWithTransferEncoding: "Content-Length together with Transfer-Encoding"
        case .unsupportedTransferCoding: "unsupported transfer coding"
        case .invalidTransferEncoding: "invalid Transfer-Encoding"
        case .malformedChunkedBody: "malformed chunked body"
        case .contentTooLarge: "request content too large"
        case .invalidCharacter: "invalid character in request head"
        case .headTimeout: "request head not received in time"
        case .contentTimeout: "request content not received in time"
        case .incompleteRequest: "request ended before it was complete"
        }
    }
}
