import ByteKit

/// Failures of an `HTTPSource`, each saying what a person can do about it.
public indirect enum HTTPSourceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 403: the identity used was refused. `identity` is the signer's description (never a
    /// secret), nil for an anonymous request.
    case accessDenied(url: String, identity: String?, serverMessage: String)
    /// 404: no object at this URL.
    case notFound(url: String)
    /// 412, or a response carrying another ETag: the object was replaced after it was opened, so
    /// bytes read before and after would not belong together.
    case objectChanged(url: String, openedETag: String)
    /// 416: the server says the range is outside the object.
    case rangeNotSatisfiable(url: String, range: ByteRange, serverSize: UInt64?)
    /// A 206 whose Content-Range is not the range asked for (after every retry).
    case wrongContentRange(url: String, requested: ByteRange, received: String)
    /// The body kept arriving short, long, or broken off (after every retry).
    case incompleteBody(url: String, range: ByteRange, received: Int, expected: Int)
    /// The host name did not resolve.
    case hostNotFound(host: String, reason: String)
    /// No connection could be made to the host.
    case cannotConnect(host: String, reason: String)
    /// libcurl failed otherwise (TLS, protocol, timeout).
    case transferFailed(url: String, reason: String)
    /// A status that is neither success nor one of the above.
    case unexpectedStatus(url: String, status: Int, serverMessage: String)
    /// The server answered a range request in a way this reader cannot use (no size, no range).
    case unusableResponse(url: String, reason: String)
    /// A read did not finish within its deadline, retries included.
    case deadlineExceeded(url: String, seconds: Double, last: HTTPSourceError?)
    /// Transient failures went on for every allowed attempt; `last` is the final one.
    case retriesExhausted(url: String, attempts: Int, last: HTTPSourceError)
    /// libcurl could not be initialised.
    case transportUnavailable(reason: String)

    public var description: String {
        switch self {
        case .accessDenied(let url, let identity, let serverMessage):
            let who = identity.map { "as \($0)" } ?? "anonymously"
            return "access denied (403) to \(url) \(who)\(Self.detail(serverMessage)); check the credentials, "
                + "their region, and the object's permissions"
        case .notFound(let url):
            return "no object at \(url) (404); check the address"
        case .objectChanged(let url, let openedETag):
            return "the object changed since it was opened (\(url), opened with ETag \(openedETag)); open it again"
        case .rangeNotSatisfiable(let url, let range, let serverSize):
            let size = serverSize.map { " (the server says the object has \($0) bytes)" } ?? ""
            return "the server refused the range \(range) of \(url) as outside the object (416)\(size)"
        case .wrongContentRange(let url, let requested, let received):
            return "the server answered the range \(requested) of \(url) with Content-Range '\(received)'"
        case .incompleteBody(let url, let range, let received, let expected):
            return "the body for \(range) of \(url) had \(received) bytes instead of \(expected)"
        case .hostNotFound(let host, let reason):
            return "cannot resolve the host \(host): \(reason)"
        case .cannotConnect(let host, let reason):
            return "cannot connect to \(host): \(reason)"
        case .transferFailed(let url, let reason):
            return "reading \(url) failed: \(reason)"
        case .unexpectedStatus(let url, let status, let serverMessage):
            return "the server answered \(status) for \(url)\(Self.detail(serverMessage))"
        case .unusableResponse(let url, let reason):
            return "cannot read \(url) by ranges: \(reason)"
        case .deadlineExceeded(let url, let seconds, let last):
            let cause = last.map { "; last failure: \($0)" } ?? ""
            return "a read of \(url) took more than \(seconds) s\(cause)"
        case .retriesExhausted(_, let attempts, let last):
            return "\(last) (gave up after \(attempts) attempts)"
        case .transportUnavailable(let reason):
            return "HTTP is unavailable: \(reason)"
        }
    }

    private static func detail(_ serverMessage: String) -> String {
        serverMessage.isEmpty ? "" : ": \(serverMessage)"
    }
}
