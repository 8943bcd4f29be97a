import Testing

@testable import S3

@Suite struct S3ConfigurationTests {
    static func credentialsFile() throws -> AWSConfigurationFile {
        try AWSConfigurationFile(
            parsing: """
                [default]
                aws_access_key_id = AKIDDEFAULT
                aws_secret_access_key = default-secret
                [work]
                aws_access_key_id = AKIDWORK
                aws_secret_access_key = work-secret
                aws_session_token = work-token
                region = ap-south-1
                [half]
                aws_access_key_id = AKIDHALF
                """,
            path: "/home/u/.aws/credentials")
    }

    static func configFile() throws -> AWSConfigurationFile {
        try AWSConfigurationFile(
            parsing: """
                [default]
                region = eu-central-1
                [profile work]
                region = us-west-1
                s3 =
                  addressing_style = virtual
                [profile local]
                aws_access_key_id = AKIDLOCAL
                aws_secret_access_key = local-secret
                services = seaweed
                endpoint_url = http://ignored.example
                [services seaweed]
                s3 =
                  endpoint_url = http://127.0.0.1:8333
                [profile sso]
                sso_session = company
                [profile odd]
                s3 =
                  addressing_style = sideways
                """,
            path: "/home/u/.aws/config")
    }

    static func resolve(
        _ environment: [String: String], endpoint: String? = nil, anonymous: Bool = false,
        addressingStyle: S3AddressingStyle? = nil, withFiles: Bool = true
    ) throws -> S3Configuration {
        try S3Configuration.resolve(
            endpoint: endpoint, anonymous: anonymous, addressingStyle: addressingStyle, environment: environment,
            credentialsFile: withFiles ? credentialsFile() : nil, configFile: withFiles ? configFile() : nil)
    }

    @Test func environmentCredentialsWinOverProfiles() throws {
        let configuration = try Self.resolve([
            "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "env-token",
            "AWS_PROFILE": "work",
        ])
        #expect(
            configuration.credentials
                == AWSCredentials(
                    accessKeyID: "AKIDENV", secretAccessKey: "env-secret", sessionToken: "env-token",
                    source: "environment"))
        // The profile still gives the region.
        #expect(configuration.region == "ap-south-1")
    }

    @Test func defaultProfileGivesCredentialsAndRegion() throws {
        let configuration = try Self.resolve([:])
        #expect(configuration.profile == "default")
        #expect(configuration.credentials?.accessKeyID == "AKIDDEFAULT")
        #expect(configuration.credentials?.source == "profile 'default' in /home/u/.aws/credentials")
        #expect(configuration.region == "eu-central-1")
        #expect(configuration.endpoint == nil)
        #expect(configuration.addressingStyle == .auto)
    }

    @Test func awsProfileSelectsAProfileWhoseCredentialsFileSettingsWin() throws {
        let configuration = try Self.resolve(["AWS_PROFILE": "work"])
        #expect(configuration.credentials?.sessionToken == "work-token")
        #expect(configuration.region == "ap-south-1")
        #expect(configuration.addressingStyle == .virtual)
    }

    @Test func regionComesFromAWSRegionThenAWSDefaultRegionThenProfileThenUSEast1() throws {
        #expect(try Self.resolve(["AWS_REGION": "r1", "AWS_DEFAULT_REGION": "r2"]).region == "r1")
        #expect(try Self.resolve(["AWS_DEFAULT_REGION": "r2"]).region == "r2")
        #expect(try Self.resolve([:]).region == "eu-central-1")
        #expect(try Self.resolve([:], anonymous: true, withFiles: false).region == "us-east-1")
    }

    @Test func endpointComesFromOptionThenEnvironmentThenServicesSectionThenProfile() throws {
        let environment = [
            "AWS_PROFILE": "local", "AWS_ENDPOINT_URL_S3": "http://s3-only", "AWS_ENDPOINT_URL": "http://all",
        ]
        #expect(try Self.resolve(environment, endpoint: "http://option").endpoint == "http://option")
        #expect(try Self.resolve(environment).endpoint == "http://s3-only")
        #expect(try Self.resolve(["AWS_PROFILE": "local", "AWS_ENDPOINT_URL": "http://all"]).endpoint == "http://all")
        #expect(try Self.resolve(["AWS_PROFILE": "local"]).endpoint == "http://127.0.0.1:8333")
        let ignoring = ["AWS_PROFILE": "local", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"]
        #expect(try Self.resolve(ignoring).endpoint == nil)
        #expect(try Self.resolve(ignoring, endpoint: "http://option").endpoint == "http://option")
    }

    @Test func addressingStyleComesFromOptionThenEnvironmentThenProfile() throws {
        let work = ["AWS_PROFILE": "work"]
        #expect(try Self.resolve(work, addressingStyle: .path).addressingStyle == .path)
        #expect(try Self.resolve(work.merging(["AWS_S3_ADDRESSING_STYLE": "Path"]) { $1 }).addressingStyle == .path)
        #expect(try Self.resolve(work).addressingStyle == .virtual)
        #expect(
            throws: S3Error.invalidSetting(
                name: "s3.addressing_style in profile 'odd'", value: "sideways", expected: "auto, virtual, path")
        ) { try Self.resolve(["AWS_PROFILE": "odd"], anonymous: true) }
    }

    @Test func anonymousAccessNeedsNoCredentials() throws {
        #expect(try Self.resolve([:], anonymous: true, withFiles: false).credentials == nil)
        #expect(try Self.resolve(["AWS_NO_SIGN_REQUEST": "TRUE"], withFiles: false).credentials == nil)
        #expect(throws: S3Error.invalidSetting(name: "AWS_NO_SIGN_REQUEST", value: "yes", expected: "true or false")) {
            try Self.resolve(["AWS_NO_SIGN_REQUEST": "yes"])
        }
    }

    @Test func missingCredentialsErrorExplainsTheOptions() throws {
        let error = #expect(throws: S3Error.self) { try Self.resolve([:], withFiles: false) }
        #expect(error == .missingCredentials(profile: "default", searched: ["environment"]))
        let message = error?.description ?? ""
        for option in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "~/.aws/credentials", "--anon"] {
            #expect(message.contains(option))
        }
    }

    @Test func incompleteCredentialsNameWhatIsMissing() throws {
        #expect(throws: S3Error.incompleteCredentials(source: "environment", missing: "AWS_SECRET_ACCESS_KEY")) {
            try Self.resolve(["AWS_ACCESS_KEY_ID": "AKID"])
        }
        // A secret without an access key id is ignored, as the AWS CLI ignores it.
        #expect(try Self.resolve(["AWS_SECRET_ACCESS_KEY": "secret"]).credentials?.accessKeyID == "AKIDDEFAULT")
        #expect(
            throws: S3Error.incompleteCredentials(
                source: "profile 'half' in /home/u/.aws/credentials", missing: "aws_secret_access_key")
        ) { try Self.resolve(["AWS_PROFILE": "half"]) }
    }

    @Test func anUndefinedProfileAndAnSSOProfileAreNamed() {
        #expect(
            throws: S3Error.profileNotFound(
                profile: "nope", files: ["/home/u/.aws/credentials", "/home/u/.aws/config"])
        ) { try Self.resolve(["AWS_PROFILE": "nope"]) }
        #expect(throws: S3Error.unsupportedCredentialSource(profile: "sso", setting: "sso_session")) {
            try Self.resolve(["AWS_PROFILE": "sso"])
        }
    }

    @Test func configFileCredentialsAreUsedWhenTheCredentialsFileHasNone() throws {
        let configuration = try Self.resolve(["AWS_PROFILE": "local"])
        #expect(configuration.credentials?.accessKeyID == "AKIDLOCAL")
        #expect(configuration.credentials?.source == "profile 'local' in /home/u/.aws/config")
    }

    @Test func printingResolvedValuesNeverShowsASecret() throws {
        let configuration = try Self.resolve(["AWS_PROFILE": "work"])
        let resolution = try S3Access.resolve(try S3Location(parsing: "s3://bucket/key"), configuration: configuration)
        for printout in [
            "\(configuration)", String(reflecting: configuration), "\(resolution)", String(reflecting: resolution),
            resolution.description, "\(resolution.signer as Any)",
        ] {
            #expect(printout.contains("AKIDWORK"))
            #expect(!printout.contains("work-secret") && !printout.contains("work-token"), "\(printout)")
        }
    }

    @Test func errorMessagesNeverContainASecret() throws {
        let description = try Self.resolve(["AWS_PROFILE": "work"]).credentials?.description ?? ""
        #expect(
            description
                == "access key id AKIDWORK from profile 'work' in /home/u/.aws/credentials (with a session token)")
        #expect(!description.contains("work-secret") && !description.contains("work-token"))
    }
}
