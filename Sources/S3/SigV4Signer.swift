import ByteSources
import Foundation

/// Signs S3 requests with AWS Signature Version 4, in the Authorization header.
///
/// Amazon S3 API Reference, "Authenticating Requests: Using the Authorization Header (AWS Signature Version 4)".
/// Signed headers: `host`, the request's `range`, `if-match`, `if-none-match`, `content-type`, `content-md5` and
/// `x-amz-*` headers, and the `x-amz-date`, `x-amz-content-sha256` and `x-amz-security-token` headers this signer
/// adds. Other headers (User-Agent, Accept-Encoding...) are left unsigned so that a client or proxy may change them.
///
/// The payload hash of a request without a body is the SHA-256 of the empty string, not `UNSIGNED-PAYLOAD`: it is
/// exact (a GET has no body), it is what AWS's own GET Object example signs, and every SigV4 verifier accepts it,
/// whereas `UNSIGNED-PAYLOAD` is an S3 extension that some S3-compatible servers reject.
public struct SigV4Signer: RequestSigner {
    /// The identity that signs.
    public let credentials: AWSCredentials
    /// The region of the credential scope (the bucket's region; `us-east-1` for most S3-compatible servers).
    public let region: String
    /// The service of the credential scope: `s3`.
    public let service: String
    private let signingKeys = SigningKeyCache()

    public init(credentials: AWSCredentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    public var identityDescription: String {
        "\(credentials), region \(region)"
    }

    /// Authorization, x-amz-date, x-amz-content-sha256 (the empty body's hash) and, with temporary credentials,
    /// x-amz-security-token, for a request without a body. The `Host` header, when `headers` lacks it, is the URL's
    /// host and port (the port only when it is not the scheme's default, as curl sends it).
    public func authorizationHeaders(
        method: String, url: String, headers: [(name: String, value: String)], date: Date
    ) throws -> [(name: String, value: String)] {
        try authorizationHeaders(
            method: method, url: url, headers: headers, date: date, payloadHash: SHA256.emptyHexDigest)
    }

    /// The headers to add to a request whose body has the SHA-256 `payloadHash` (lowercase hexadecimal, or
    /// `UNSIGNED-PAYLOAD`). Headers of `headers` that this signer sets itself (Authorization, x-amz-date,
    /// x-amz-content-sha256, x-amz-security-token) are ignored.
    public func authorizationHeaders(
        method: String, url: String, headers: [(name: String, value: String)], date: Date, payloadHash: String
    ) throws -> [(name: String, value: String)] {
        let request = try RequestURL(url)
        let (timestamp, dateStamp) = SignatureV4.timestamps(of: date)
        var added: [(name: String, value: String)] = [
            ("x-amz-date", timestamp),
            ("x-amz-content-sha256", payloadHash),
        ]
        if let sessionToken = credentials.sessionToken {
            added.append(("x-amz-security-token", sessionToken))
        }
        var signed = headers.filter { Self.isSigned(name: $0.name.lowercased()) }
        if !signed.contains(where: { $0.name.lowercased() == "host" }) {
            signed.append(("host", request.host))
        }
        signed += added
        let scope = SignatureV4.credentialScope(dateStamp: dateStamp, region: region, service: service)
        let canonicalRequest = try SignatureV4.canonicalRequest(
            method: method, path: request.path, query: request.query, headers: signed, payloadHash: payloadHash)
        let stringToSign = try SignatureV4.stringToSign(
            timestamp: timestamp, credentialScope: scope, canonicalRequest: canonicalRequest)
        let signature = try SignatureV4.signature(
            signingKey: try signingKey(dateStamp: dateStamp), stringToSign: stringToSign)
        let signedHeaders = SignatureV4.canonicalHeaders(signed).signedHeaders
        let authorization =
            "\(SignatureV4.algorithm) Credential=\(credentials.accessKeyID)/\(scope), "
            + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return [("Authorization", authorization)] + added
    }

    private static let ownHeaders: Set<String> = [
        "authorization", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token",
    ]
    private static let signedStandardHeaders: Set<String> = [
        "host", "range", "if-match", "if-none-match", "content-type", "content-md5",
    ]

    private static func isSigned(name: String) -> Bool {
        !ownHeaders.contains(name) && (signedStandardHeaders.contains(name) || name.hasPrefix("x-amz-"))
    }

    /// The signing key of `dateStamp`, derived once per day (the region and service are the signer's).
    private func signingKey(dateStamp: String) throws -> [UInt8] {
        if let key = signingKeys.key(for: dateStamp) {
            return key
        }
        let key = try SignatureV4.signingKey(
            secretAccessKey: credentials.secretAccessKey, dateStamp: dateStamp, region: region, service: service)
        signingKeys.store(key, for: dateStamp)
        return key
    }
}

/// The last derived signing key and its date stamp, shared by the copies of one signer.
private final class SigningKeyCache: @unchecked Sendable {
    // Every access to `entry` holds `lock`.
    private let lock = NSLock()
    private var entry: (dateStamp: String, key: [UInt8])?

    func key(for dateStamp: String) -> [UInt8]? {
        lock.withLock { entry?.dateStamp == dateStamp ? entry?.key : nil }
    }

    func store(_ key: [UInt8], for dateStamp: String) {
        lock.withLock { entry = (dateStamp, key) }
    }
}

/// The parts of an absolute `http://` or `https://` request URL that a signature covers.
struct RequestURL {
    /// The value of the Host header: the host, and the port when it is not the scheme's default.
    let host: String
    /// The path as it appears in the URL (percent-encoded), up to `?` or `#`.
    let path: Substring
    /// The query as it appears in the URL, without `?`; nil when the URL has none.
    let query: Substring?

    init(_ url: String) throws {
        guard let schemeEnd = url.range(of: "://") else {
            throw S3Error.invalidRequestURL(url: url, reason: "not an absolute URL")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw S3Error.invalidRequestURL(url: url, reason: "the scheme is not http or https")
        }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        // userinfo@ is not part of the Host header.
        let authority = rest[..<authorityEnd].split(separator: "@", omittingEmptySubsequences: false).last ?? ""
        guard !authority.isEmpty else {
            throw S3Error.invalidRequestURL(url: url, reason: "the URL has no host")
        }
        let defaultPort = scheme == "https" ? ":443" : ":80"
        host = authority.hasSuffix(defaultPort) ? String(authority.dropLast(defaultPort.count)) : String(authority)
        let target = rest[authorityEnd...].prefix(while: { $0 != "#" })
        if let questionMark = target.firstIndex(of: "?") {
            path = target[..<questionMark]
            query = target[target.index(after: questionMark)...]
        } else {
            path = target
            query = nil
        }
    }
}
