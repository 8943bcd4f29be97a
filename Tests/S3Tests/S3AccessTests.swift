import Foundation
import Testing

@testable import S3

@Suite struct S3AccessTests {
    @Test func locationKeepsTheKeyVerbatimAndEncodesItForURLs() throws {
        let location = try S3Location(parsing: "s3://dandiarchive/blobs/a b/c+d%20é?.nwb")
        #expect(location.bucket == "dandiarchive")
        #expect(location.key == "blobs/a b/c+d%20é?.nwb")
        #expect(location.encodedKey == "blobs/a%20b/c%2Bd%2520%C3%A9%3F.nwb")
        #expect(location.description == "s3://dandiarchive/blobs/a b/c+d%20é?.nwb")
    }

    @Test(arguments: [
        ("https://bucket/key", "the URL does not start with s3://"),
        ("s3://bucket", "no object key after the bucket name"),
        ("s3://bucket/", "no object key after the bucket name"),
    ])
    func malformedLocationsAreErrors(url: String, reason: String) {
        #expect(throws: S3Error.invalidLocation(url: url, reason: reason)) { try S3Location(parsing: url) }
    }

    @Test func overlongKeysAreErrors() {
        #expect(throws: S3Error.self) { try S3Location(parsing: "s3://bucket/" + String(repeating: "k", count: 1025)) }
    }

    @Test(arguments: [
        ("ab", "it must be 3 to 63 characters long"),
        (String(repeating: "a", count: 64), "it must be 3 to 63 characters long"),
        ("My-Bucket", "only lowercase letters, digits, '.' and '-' are allowed"),
        ("my_bucket", "only lowercase letters, digits, '.' and '-' are allowed"),
        ("-bucket", "it must begin and end with a letter or digit"),
        ("bucket.", "it must begin and end with a letter or digit"),
        ("my..bucket", "two adjacent periods are not allowed"),
        ("192.168.5.4", "it must not be formatted as an IP address"),
    ])
    func invalidBucketNamesAreErrors(bucket: String, reason: String) {
        #expect(throws: S3Error.invalidBucketName(bucket: bucket, reason: reason)) {
            try S3Location(parsing: "s3://\(bucket)/key")
        }
    }

    static func configuration(
        region: String = "us-east-1", endpoint: String? = nil, style: S3AddressingStyle = .auto,
        credentials: AWSCredentials? = nil
    ) -> S3Configuration {
        S3Configuration(
            profile: "default", credentials: credentials, region: region, endpoint: endpoint, addressingStyle: style)
    }

    @Test func awsUsesVirtualHostedStyleUnlessTheBucketHasDotsAndTheGlobalHostForUSEast1() throws {
        let location = try S3Location(parsing: "s3://bucket/sub-01/ses 1.nwb")
        let virtual = try S3Access.resolve(location, configuration: Self.configuration(region: "us-west-2"))
        #expect(virtual.httpURL == "https://bucket.s3.us-west-2.amazonaws.com/sub-01/ses%201.nwb")
        #expect(virtual.endpoint == "https://s3.us-west-2.amazonaws.com")
        let dotted = try S3Access.resolve(
            try S3Location(parsing: "s3://my.bucket/k"), configuration: Self.configuration())
        #expect(dotted.httpURL == "https://s3.amazonaws.com/my.bucket/k")
        let global = try S3Access.resolve(location, configuration: Self.configuration(region: "us-east-1"))
        #expect(global.httpURL == "https://bucket.s3.amazonaws.com/sub-01/ses%201.nwb")
        let forced = try S3Access.resolve(location, configuration: Self.configuration(style: .path))
        #expect(forced.httpURL == "https://s3.amazonaws.com/bucket/sub-01/ses%201.nwb")
        let china = try S3Access.resolve(location, configuration: Self.configuration(region: "cn-north-1"))
        #expect(china.httpURL == "https://bucket.s3.cn-north-1.amazonaws.com.cn/sub-01/ses%201.nwb")
    }

    @Test func customEndpointsUsePathStyleUnlessVirtualIsAskedForAHostName() throws {
        let location = try S3Location(parsing: "s3://bucket/a/b.nwb")
        let path = try S3Access.resolve(location, configuration: Self.configuration(endpoint: "http://127.0.0.1:8333/"))
        #expect(path.httpURL == "http://127.0.0.1:8333/bucket/a/b.nwb")
        let prefixed = try S3Access.resolve(
            location, configuration: Self.configuration(endpoint: "https://gateway.example.org/s3//"))
        #expect(prefixed.httpURL == "https://gateway.example.org/s3/bucket/a/b.nwb")
        let virtual = try S3Access.resolve(
            location, configuration: Self.configuration(endpoint: "minio.example.org:9000", style: .virtual))
        #expect(virtual.httpURL == "https://bucket.minio.example.org:9000/a/b.nwb")
        for endpoint in ["http://127.0.0.1:9000", "http://[::1]:9000"] {
            let address = try S3Access.resolve(
                location, configuration: Self.configuration(endpoint: endpoint, style: .virtual))
            #expect(address.httpURL == "\(endpoint)/bucket/a/b.nwb")
        }
    }

    @Test(arguments: [
        ("ftp://host", "the scheme is not http or https"),
        ("http://", "it has no host"),
        ("http://user:secret@host", "credentials in the endpoint URL are not supported"),
        ("http://host/?x=1", "it has a query or fragment"),
    ])
    func invalidEndpointsAreErrors(endpoint: String, reason: String) throws {
        let location = try S3Location(parsing: "s3://bucket/key")
        #expect(throws: S3Error.invalidEndpoint(endpoint: endpoint, reason: reason)) {
            try S3Access.resolve(location, configuration: Self.configuration(endpoint: endpoint))
        }
    }

    @Test func descriptionNamesBucketKeyRegionEndpointAndIdentityButNoSecret() throws {
        let credentials = AWSCredentials(
            accessKeyID: "AKIDEXAMPLE", secretAccessKey: "very-secret", sessionToken: "token", source: "environment")
        let resolution = try S3Access.resolve(
            try S3Location(parsing: "s3://bucket/key.nwb"),
            configuration: Self.configuration(region: "eu-west-1", credentials: credentials))
        #expect(
            resolution.description
                == "s3://bucket/key.nwb (bucket 'bucket', key 'key.nwb', region eu-west-1, endpoint "
                + "https://s3.eu-west-1.amazonaws.com, virtual-style, signed with access key id AKIDEXAMPLE from "
                + "environment (with a session token))")
        #expect(resolution.signer?.region == "eu-west-1")
        let anonymous = try S3Access.resolve(
            try S3Location(parsing: "s3://bucket/key.nwb"), configuration: Self.configuration())
        #expect(anonymous.signer == nil)
        #expect(anonymous.description.hasSuffix("anonymous)"))
    }

    @Test func aBucketInAnotherRegionIsReResolvedThere() throws {
        let credentials = AWSCredentials(accessKeyID: "AKID", secretAccessKey: "s", source: "test")
        let resolution = try S3Access.resolve(
            try S3Location(parsing: "s3://bucket/key"), configuration: Self.configuration(credentials: credentials))
        let moved = try resolution.inRegion("ap-northeast-1")
        #expect(moved.httpURL == "https://bucket.s3.ap-northeast-1.amazonaws.com/key")
        #expect(moved.signer?.region == "ap-northeast-1")
        #expect(moved.signer?.credentials == credentials)
    }

    @Test func configurationFilesComeFromEnvironmentOrHome() {
        let defaults = S3Access.configurationFilePaths(environment: [:], homeDirectory: "/home/u/")
        #expect(defaults.credentials == "/home/u/.aws/credentials")
        #expect(defaults.config == "/home/u/.aws/config")
        let overridden = S3Access.configurationFilePaths(
            environment: ["AWS_SHARED_CREDENTIALS_FILE": "~/creds", "AWS_CONFIG_FILE": "/etc/aws/config"],
            homeDirectory: "/home/u")
        #expect(overridden.credentials == "/home/u/creds")
        #expect(overridden.config == "/etc/aws/config")
    }

    @Test func resolveReadsTheFilesUnderTheHomeDirectory() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("s3home-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: home.appendingPathComponent(".aws"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        try "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n".write(
            to: home.appendingPathComponent(".aws/credentials"), atomically: true, encoding: .utf8)
        try "[default]\nregion = eu-north-1\nendpoint_url = http://localhost:9000\n".write(
            to: home.appendingPathComponent(".aws/config"), atomically: true, encoding: .utf8)
        let resolution = try S3Access.resolve(
            url: "s3://bucket/key", endpoint: nil, anonymous: false, environment: [:], homeDirectory: home.path)
        #expect(resolution.httpURL == "http://localhost:9000/bucket/key")
        #expect(
            resolution.signer?.identityDescription.hasPrefix("access key id AKIDFILE from profile 'default'") == true)
        #expect(resolution.signer?.region == "eu-north-1")
    }
}
