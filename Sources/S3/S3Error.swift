/// Failures of resolving and signing S3 requests. Messages never contain a secret.
public enum S3Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// `url` is not an `s3://bucket/key` location.
    case invalidLocation(url: String, reason: String)
    /// The bucket name breaks S3's naming rules.
    case invalidBucketName(bucket: String, reason: String)
    /// The endpoint is not an `http://` or `https://` URL with a host.
    case invalidEndpoint(endpoint: String, reason: String)
    /// A request handed to the signer has a URL it cannot sign.
    case invalidRequestURL(url: String, reason: String)
    /// A setting (environment variable or configuration key) has a value outside the accepted ones.
    case invalidSetting(name: String, value: String, expected: String)
    /// No credentials were found and anonymous access was not asked for.
    case missingCredentials(profile: String, searched: [String])
    /// Credentials were found in `source` without one of their parts (`missing`).
    case incompleteCredentials(source: String, missing: String)
    /// The profile obtains credentials through `setting` (a role, SSO, a credential process), which is not supported.
    case unsupportedCredentialSource(profile: String, setting: String)
    /// AWS_PROFILE names a profile that neither configuration file defines.
    case profileNotFound(profile: String, files: [String])
    /// An AWS configuration file has a line that is neither a section, a setting nor a comment.
    case malformedConfiguration(file: String, line: Int, reason: String)
    /// An AWS configuration file exists but cannot be read.
    case cannotReadConfiguration(file: String, reason: String)
    /// OpenSSL could not compute a digest (it fails only when memory runs out).
    case cryptographyFailed(operation: String)
    /// OpenSSL's libcrypto, which signing needs, could not be loaded.
    case cryptographyUnavailable(reason: String)

    public var description: String {
        switch self {
        case .invalidLocation(let url, let reason):
            return "invalid S3 location \(url): \(reason) (expected s3://bucket/key)"
        case .invalidBucketName(let bucket, let reason):
            return "invalid S3 bucket name '\(bucket)': \(reason)"
        case .invalidEndpoint(let endpoint, let reason):
            return "invalid S3 endpoint '\(endpoint)': \(reason) "
                + "(expected e.g. https://s3.example.org or http://127.0.0.1:9000)"
        case .invalidRequestURL(let url, let reason):
            return "cannot sign a request for \(url): \(reason)"
        case .invalidSetting(let name, let value, let expected):
            return "\(name) is '\(value)'; expected \(expected)"
        case .missingCredentials(let profile, let searched):
            return """
                no AWS credentials found (looked in \(searched.joined(separator: ", ")) for profile '\(profile)'). \
                Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials), \
                add the profile to ~/.aws/credentials or choose another with AWS_PROFILE, \
                or read a public bucket without signing with --anon (or AWS_NO_SIGN_REQUEST=true)
                """
        case .incompleteCredentials(let source, let missing):
            return "incomplete AWS credentials in \(source): \(missing) is missing"
        case .unsupportedCredentialSource(let profile, let setting):
            return """
                AWS profile '\(profile)' obtains credentials through '\(setting)', which nwbpeek does not support; \
                export static credentials instead, e.g. \
                eval "$(aws configure export-credentials --profile \(profile) --format env)"
                """
        case .profileNotFound(let profile, let files):
            let place = files.isEmpty ? "any AWS configuration file (none was found)" : files.joined(separator: " or ")
            return "AWS profile '\(profile)' (from AWS_PROFILE) is not defined in \(place)"
        case .malformedConfiguration(let file, let line, let reason):
            return "\(file):\(line): \(reason)"
        case .cannotReadConfiguration(let file, let reason):
            return "cannot read AWS configuration file \(file): \(reason)"
        case .cryptographyFailed(let operation):
            return "OpenSSL could not compute \(operation)"
        case .cryptographyUnavailable(let reason):
            return "cannot sign requests: \(reason) (Debian: apt install libssl3)"
        }
    }
}
