/// How S3 requests are addressed: the bucket in the host name or in the path.
public enum S3AddressingStyle: String, Sendable, CaseIterable {
    /// Virtual-hosted style for AWS (path style for bucket names with dots, which break TLS host names); path style
    /// for a custom endpoint.
    case auto
    /// `https://bucket.s3.REGION.amazonaws.com/key`, or `scheme://bucket.HOST/key` for a custom endpoint.
    case virtual
    /// `https://s3.REGION.amazonaws.com/bucket/key`, or `ENDPOINT/bucket/key` for a custom endpoint.
    case path
}

/// The S3 settings in effect: credentials, region, endpoint and addressing style, resolved as the AWS CLI resolves
/// them from command-line options, environment variables and the shared configuration files.
///
/// AWS SDKs and Tools Reference Guide, "Standardized credential providers" and "Settings reference":
/// - credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN; else the profile's
///   `aws_access_key_id`, `aws_secret_access_key` and `aws_session_token` in the credentials file, then in the config
///   file. The profile is AWS_PROFILE, else `default`; a profile named by AWS_PROFILE must exist.
/// - region: AWS_REGION, AWS_DEFAULT_REGION, the profile's `region`, else `us-east-1` (AWS_REGION first, as the
///   AWS SDKs read it; botocore reads only AWS_DEFAULT_REGION).
/// - endpoint: the `--endpoint` option, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's `services` section's
///   `s3 = endpoint_url`, the profile's `endpoint_url`; none means AWS. AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true
///   keeps only the option.
/// - addressing style: the option, AWS_S3_ADDRESSING_STYLE, the profile's `s3 = addressing_style`, else `auto`.
/// - anonymous (no signature): the `--anon` option or AWS_NO_SIGN_REQUEST=true.
public struct S3Configuration: Sendable, Equatable {
    /// The profile whose settings were read.
    public let profile: String
    /// The identity that signs; nil for anonymous access.
    public let credentials: AWSCredentials?
    /// The region requests are signed for.
    public let region: String
    /// The endpoint URL as configured (`http://127.0.0.1:9000`); nil means AWS's endpoint for the region.
    public let endpoint: String?
    /// How requests are addressed.
    public let addressingStyle: S3AddressingStyle

    /// Resolves the settings from the options, the environment and the parsed configuration files (nil when absent).
    public static func resolve(
        endpoint endpointOption: String?, anonymous anonymousOption: Bool,
        addressingStyle styleOption: S3AddressingStyle?,
        environment: [String: String], credentialsFile: AWSConfigurationFile?, configFile: AWSConfigurationFile?
    ) throws -> S3Configuration {
        let setting = { (name: String) -> String? in
            guard let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
                return nil
            }
            return value
        }
        let explicitProfile = setting("AWS_PROFILE")
        let profileName = explicitProfile ?? "default"
        let fromCredentialsFile = credentialsFile?.profile(profileName, isConfigFile: false)
        let fromConfigFile = configFile?.profile(profileName, isConfigFile: true)
        let profile = ProfileSettings(
            name: profileName, credentialsFile: credentialsFile, fromCredentialsFile: fromCredentialsFile,
            configFile: configFile, fromConfigFile: fromConfigFile)
        // As in the AWS CLI, a profile asked for by name must exist, even when the environment holds credentials.
        if explicitProfile != nil, fromCredentialsFile == nil, fromConfigFile == nil {
            throw S3Error.profileNotFound(profile: profileName, files: profile.searchedFiles)
        }

        let anonymous =
            try anonymousOption || boolean(named: "AWS_NO_SIGN_REQUEST", value: setting("AWS_NO_SIGN_REQUEST"))
        var credentials: AWSCredentials?
        if !anonymous {
            if let fromEnvironment = try environmentCredentials(setting) {
                credentials = fromEnvironment
            } else if let fromProfile = try profile.credentials() {
                credentials = fromProfile
            } else {
                throw S3Error.missingCredentials(
                    profile: profileName, searched: ["environment"] + profile.searchedFiles)
            }
        }

        let region = setting("AWS_REGION") ?? setting("AWS_DEFAULT_REGION") ?? profile.value("region") ?? "us-east-1"

        var endpoint = endpointOption.flatMap { $0.isEmpty ? nil : $0 }
        if endpoint == nil,
            try !boolean(
                named: "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", value: setting("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"))
        {
            endpoint =
                setting("AWS_ENDPOINT_URL_S3") ?? setting("AWS_ENDPOINT_URL")
                ?? profile.servicesValue("s3.endpoint_url") ?? profile.value("endpoint_url")
        }

        var addressingStyle = styleOption
        if addressingStyle == nil {
            let (name, value) =
                setting("AWS_S3_ADDRESSING_STYLE").map { ("AWS_S3_ADDRESSING_STYLE", $0) }
                ?? ("s3.addressing_style in profile '\(profileName)'", profile.value("s3.addressing_style"))
            if let value {
                guard let style = S3AddressingStyle(rawValue: value.lowercased()) else {
                    throw S3Error.invalidSetting(
                        name: name, value: value,
                        expected: S3AddressingStyle.allCases.map(\.rawValue).joined(separator: ", "))
                }
                addressingStyle = style
            }
        }

        return S3Configuration(
            profile: profileName, credentials: credentials, region: region, endpoint: endpoint,
            addressingStyle: addressingStyle ?? .auto)
    }

    private static func boolean(named name: String, value: String?) throws -> Bool {
        switch value?.lowercased() {
        case nil, "false": return false
        case "true": return true
        case let other?: throw S3Error.invalidSetting(name: name, value: other, expected: "true or false")
        }
    }

    private static func environmentCredentials(_ setting: (String) -> String?) throws -> AWSCredentials? {
        let accessKeyID = setting("AWS_ACCESS_KEY_ID")
        let secretAccessKey = setting("AWS_SECRET_ACCESS_KEY")
        // As in the AWS CLI, the environment gives credentials only when it has an access key id.
        guard let accessKeyID else { return nil }
        guard let secretAccessKey else {
            throw S3Error.incompleteCredentials(source: "environment", missing: "AWS_SECRET_ACCESS_KEY")
        }
        return AWSCredentials(
            accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, sessionToken: setting("AWS_SESSION_TOKEN"),
            source: "environment")
    }
}

/// One profile's settings across the two files: the credentials file wins, as in the AWS CLI.
private struct ProfileSettings {
    let name: String
    let credentialsFile: AWSConfigurationFile?
    let fromCredentialsFile: [String: String]?
    let configFile: AWSConfigurationFile?
    let fromConfigFile: [String: String]?

    var searchedFiles: [String] {
        [credentialsFile?.path, configFile?.path].compactMap { $0 }
    }

    func value(_ key: String) -> String? {
        nonEmpty(fromCredentialsFile?[key]) ?? nonEmpty(fromConfigFile?[key])
    }

    /// A value of the config file's `[services NAME]` section that the profile's `services = NAME` names.
    func servicesValue(_ key: String) -> String? {
        guard let services = value("services") else { return nil }
        return nonEmpty(configFile?.sections["services \(services)"]?[key])
    }

    /// The profile's static credentials; nil when neither file gives any. Profiles that obtain credentials another
    /// way (roles, SSO, a credential process) are named in the error, since only static keys are read.
    func credentials() throws -> AWSCredentials? {
        for (file, settings) in [(credentialsFile, fromCredentialsFile), (configFile, fromConfigFile)] {
            guard let file, let settings else { continue }
            let source = "profile '\(name)' in \(file.path)"
            let accessKeyID = nonEmpty(settings["aws_access_key_id"])
            let secretAccessKey = nonEmpty(settings["aws_secret_access_key"])
            // As in the AWS CLI, a file gives credentials only when the profile has an access key id there.
            guard let accessKeyID else { continue }
            guard let secretAccessKey else {
                throw S3Error.incompleteCredentials(source: source, missing: "aws_secret_access_key")
            }
            return AWSCredentials(
                accessKeyID: accessKeyID, secretAccessKey: secretAccessKey,
                sessionToken: nonEmpty(settings["aws_session_token"]), source: source)
        }
        for key in Self.otherCredentialSources where value(key) != nil {
            throw S3Error.unsupportedCredentialSource(profile: name, setting: key)
        }
        return nil
    }

    private static let otherCredentialSources = [
        "role_arn", "credential_process", "sso_session", "sso_start_url", "web_identity_token_file",
        "credential_source",
    ]

    private func nonEmpty(_ value: String?) -> String? {
        value.flatMap { $0.isEmpty ? nil : $0 }
    }
}
