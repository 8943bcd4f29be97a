/// An S3 object resolved for reading over HTTP: its URL, the signer of its requests, and a description for messages.
public struct S3Resolution: Sendable {
    /// The object.
    public let location: S3Location
    /// The settings in effect.
    public let configuration: S3Configuration
    /// The object's HTTPS (or, for a custom endpoint, HTTP) URL, the key percent-encoded.
    public let httpURL: String
    /// The endpoint requests go to (`https://s3.eu-west-1.amazonaws.com` for AWS in eu-west-1), for messages.
    public let endpoint: String
    /// Signs each request; nil for anonymous access.
    public let signer: SigV4Signer?
    /// Bucket, key, region, endpoint and identity, for error messages; never a secret.
    public let description: String

    /// The same object resolved for another region: for when S3 answers that the bucket lives elsewhere (a 301 or
    /// 400 response whose `x-amz-bucket-region` header names the bucket's region).
    public func inRegion(_ region: String) throws -> S3Resolution {
        let moved = S3Configuration(
            profile: configuration.profile, credentials: configuration.credentials, region: region,
            endpoint: configuration.endpoint, addressingStyle: configuration.addressingStyle)
        return try S3Access.resolve(location, configuration: moved)
    }
}

/// Resolves `s3://bucket/key` into an HTTP URL and a request signer, from options, environment variables and the AWS
/// configuration files (see `S3Configuration` for the order in which they are read).
public enum S3Access {
    /// Resolves `url` for reading. `endpoint` and `anonymous` are the command line's `--endpoint` and `--anon`;
    /// `environment` is the process environment; the configuration files are AWS_SHARED_CREDENTIALS_FILE and
    /// AWS_CONFIG_FILE, else `.aws/credentials` and `.aws/config` under `homeDirectory`.
    public static func resolve(
        url: String, endpoint: String?, anonymous: Bool, addressingStyle: S3AddressingStyle? = nil,
        environment: [String: String], homeDirectory: String
    ) throws -> S3Resolution {
        let location = try S3Location(parsing: url)
        let paths = configurationFilePaths(environment: environment, homeDirectory: homeDirectory)
        let configuration = try S3Configuration.resolve(
            endpoint: endpoint, anonymous: anonymous, addressingStyle: addressingStyle, environment: environment,
            credentialsFile: try AWSConfigurationFile.load(path: paths.credentials),
            configFile: try AWSConfigurationFile.load(path: paths.config))
        return try resolve(location, configuration: configuration)
    }

    /// Resolves `location` with settings already resolved: a pure function.
    public static func resolve(_ location: S3Location, configuration: S3Configuration) throws -> S3Resolution {
        let endpoint: S3Endpoint
        let style: S3AddressingStyle
        if let configured = configuration.endpoint {
            endpoint = try S3Endpoint(parsing: configured)
            // A bucket cannot prefix an IP address: virtual-hosted style falls back to path style, as in the AWS CLI.
            style = configuration.addressingStyle == .virtual && !endpoint.hostIsIPAddress ? .virtual : .path
        } else {
            endpoint = S3Endpoint(scheme: "https", authority: awsHost(region: configuration.region), basePath: "")
            style =
                configuration.addressingStyle == .auto
                ? (location.bucketFitsTLSHostName ? .virtual : .path) : configuration.addressingStyle
        }
        let httpURL: String
        switch style {
        case .virtual:
            let host = "\(location.bucket).\(endpoint.authority)"
            httpURL = "\(endpoint.scheme)://\(host)\(endpoint.basePath)/\(location.encodedKey)"
        case .path, .auto:
            httpURL = "\(endpoint.url)/\(location.bucket)/\(location.encodedKey)"
        }
        let signer = configuration.credentials.map { SigV4Signer(credentials: $0, region: configuration.region) }
        let identity = signer.map { "signed with \($0.credentials)" } ?? "anonymous"
        let description = """
            \(location) (bucket '\(location.bucket)', key '\(location.key)', region \(configuration.region), \
            endpoint \(endpoint.url), \(style.rawValue)-style, \(identity))
            """
        return S3Resolution(
            location: location, configuration: configuration, httpURL: httpURL, endpoint: endpoint.url,
            signer: signer, description: description)
    }

    /// AWS's S3 host for `region`. For us-east-1 it is the global `s3.amazonaws.com`, as in the AWS CLI: its DNS
    /// sends a virtual-hosted request to the bucket's own region (for regions opened before March 2019), so an
    /// anonymous read of a public bucket usually works without knowing that region.
    static func awsHost(region: String) -> String {
        if region == "us-east-1" { return "s3.amazonaws.com" }
        return "s3.\(region).\(region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com")"
    }

    /// The credentials and config files' paths: AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE (a leading `~/`
    /// is the home directory), else `~/.aws/credentials` and `~/.aws/config`.
    public static func configurationFilePaths(
        environment: [String: String], homeDirectory: String
    ) -> (credentials: String, config: String) {
        let home = homeDirectory.hasSuffix("/") ? String(homeDirectory.dropLast()) : homeDirectory
        let path = { (variable: String, defaultName: String) -> String in
            guard let value = environment[variable], !value.isEmpty else { return "\(home)/.aws/\(defaultName)" }
            return value.hasPrefix("~/") ? home + value.dropFirst() : value
        }
        return (path("AWS_SHARED_CREDENTIALS_FILE", "credentials"), path("AWS_CONFIG_FILE", "config"))
    }
}

/// A custom endpoint's URL split into the parts an object URL is built from.
struct S3Endpoint {
    /// `http` or `https`.
    let scheme: String
    /// The host and optional port.
    let authority: String
    /// A path prefix without a trailing `/` (usually empty).
    let basePath: String

    var url: String { "\(scheme)://\(authority)\(basePath)" }

    /// Whether the host is an IPv4 address or a bracketed IPv6 address.
    var hostIsIPAddress: Bool {
        if authority.hasPrefix("[") { return true }
        let host = authority.split(separator: ":", maxSplits: 1).first ?? ""
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return labels.count == 4 && labels.allSatisfy { UInt8($0) != nil }
    }

    init(scheme: String, authority: String, basePath: String) {
        self.scheme = scheme
        self.authority = authority
        self.basePath = basePath
    }

    /// Parses `http://host[:port][/prefix]` or `https://...`; a URL without a scheme is taken as `https://`.
    init(parsing endpoint: String) throws {
        let invalid = { (reason: String) in S3Error.invalidEndpoint(endpoint: endpoint, reason: reason) }
        var rest = Substring(endpoint)
        if let schemeEnd = endpoint.range(of: "://") {
            scheme = endpoint[..<schemeEnd.lowerBound].lowercased()
            guard scheme == "http" || scheme == "https" else { throw invalid("the scheme is not http or https") }
            rest = endpoint[schemeEnd.upperBound...]
        } else {
            scheme = "https"
        }
        guard !rest.contains(where: { $0 == "?" || $0 == "#" }) else { throw invalid("it has a query or fragment") }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        authority = String(rest[..<authorityEnd])
        guard !authority.isEmpty else { throw invalid("it has no host") }
        guard !authority.contains("@") else { throw invalid("credentials in the endpoint URL are not supported") }
        var path = rest[authorityEnd...]
        while path.hasSuffix("/") { path = path.dropLast() }
        basePath = String(path)
    }
}
