/// An AWS identity: an access key id, its secret, and the session token of temporary credentials.
///
/// `description` and `debugDescription` (and so any printout of a value that holds credentials) show the access key
/// id and where the credentials came from, never the secret or the token.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The access key id (`AKIA...` for long-term keys, `ASIA...` for temporary ones). Not a secret.
    public let accessKeyID: String
    /// The secret access key.
    public let secretAccessKey: String
    /// The session token of temporary credentials, sent as `x-amz-security-token`.
    public let sessionToken: String?
    /// Where the credentials were found, for messages: "environment", "profile 'default' in /home/u/.aws/credentials".
    public let source: String

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, source: String) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.source = source
    }

    public var description: String {
        "access key id \(accessKeyID) from \(source)" + (sessionToken == nil ? "" : " (with a session token)")
    }

    public var debugDescription: String { description }
}
