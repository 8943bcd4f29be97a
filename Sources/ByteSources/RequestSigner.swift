import Foundation

/// Authenticates one HTTP request for a remote `ByteSource` (for S3: AWS Signature Version 4).
public protocol RequestSigner: Sendable {
    /// The headers to add to a request with this method, absolute URL and headers, at `date`.
    /// `headers` are those the request already carries (Range, If-Match...); the result is added
    /// to them (for SigV4: Authorization, x-amz-date, x-amz-content-sha256, x-amz-security-token).
    func authorizationHeaders(
        method: String, url: String, headers: [(name: String, value: String)], date: Date
    ) throws -> [(name: String, value: String)]

    /// Who signs, for error messages (an access key id, a profile and a region; never a secret).
    var identityDescription: String { get }
}
