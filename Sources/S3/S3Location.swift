/// An S3 object named by an `s3://bucket/key` URL.
///
/// As in the AWS CLI, everything after the bucket's `/` is the key, byte for byte: `s3://b/my file%20.nwb` names the
/// key `my file%20.nwb`. Bucket names follow Amazon S3 User Guide, "General purpose bucket naming rules".
public struct S3Location: Sendable, Equatable, CustomStringConvertible {
    /// The bucket name.
    public let bucket: String
    /// The object key (not percent-encoded).
    public let key: String

    /// The longest key S3 accepts, in UTF-8 bytes.
    static let maximumKeyLength = 1024

    /// Parses `s3://bucket/key`.
    public init(parsing url: String) throws {
        let scheme = "s3://"
        guard url.lowercased().hasPrefix(scheme) else {
            throw S3Error.invalidLocation(url: url, reason: "the URL does not start with s3://")
        }
        let rest = url.dropFirst(scheme.count)
        guard let slash = rest.firstIndex(of: "/") else {
            throw S3Error.invalidLocation(url: url, reason: "no object key after the bucket name")
        }
        let bucket = String(rest[..<slash])
        let key = String(rest[rest.index(after: slash)...])
        guard !key.isEmpty else {
            throw S3Error.invalidLocation(url: url, reason: "no object key after the bucket name")
        }
        guard key.utf8.count <= Self.maximumKeyLength else {
            throw S3Error.invalidLocation(
                url: url, reason: "the key is longer than S3's \(Self.maximumKeyLength) bytes")
        }
        try Self.validate(bucket: bucket)
        self.bucket = bucket
        self.key = key
    }

    /// `s3://bucket/key`.
    public var description: String { "s3://\(bucket)/\(key)" }

    /// The key URI-encoded as S3 expects in a request path: every byte except `A-Z a-z 0-9 - . _ ~ /` as `%XY`.
    public var encodedKey: String {
        SignatureV4.uriEncode(key.utf8, keepingSlash: true)
    }

    /// Whether the bucket name can be the first label of a TLS host name (virtual-hosted style over HTTPS): a name
    /// with dots would not match the endpoint's wildcard certificate.
    var bucketFitsTLSHostName: Bool { !bucket.contains(".") }

    static func validate(bucket: String) throws {
        let invalid = { (reason: String) in S3Error.invalidBucketName(bucket: bucket, reason: reason) }
        guard (3...63).contains(bucket.utf8.count) else { throw invalid("it must be 3 to 63 characters long") }
        let isLetterOrDigit = { (byte: UInt8) in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        guard bucket.utf8.allSatisfy({ isLetterOrDigit($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") })
        else {
            throw invalid("only lowercase letters, digits, '.' and '-' are allowed")
        }
        guard let first = bucket.utf8.first, let last = bucket.utf8.last, isLetterOrDigit(first), isLetterOrDigit(last)
        else {
            throw invalid("it must begin and end with a letter or digit")
        }
        guard !bucket.contains("..") else { throw invalid("two adjacent periods are not allowed") }
        let labels = bucket.split(separator: ".", omittingEmptySubsequences: false)
        if labels.count == 4, labels.allSatisfy({ UInt8($0) != nil }) {
            throw invalid("it must not be formatted as an IP address")
        }
    }
}
