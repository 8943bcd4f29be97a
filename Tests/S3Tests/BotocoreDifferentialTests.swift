import Foundation
import Testing
import TestSupport

@testable import S3

/// The signer against botocore's `S3SigV4Auth` (the AWS CLI's signer) on random requests: keys with every kind of
/// character, regions, session tokens, Range/If-Match/x-amz-meta headers and query parameters. Skipped when
/// python3 cannot import botocore.
@Suite(.enabled(if: Botocore.isAvailable, "python3 with botocore is not available"))
struct BotocoreDifferentialTests {
    static let seed: UInt64 = 0xB070_C04E

    struct Case: Encodable {
        let method: String
        let url: String
        let headers: [[String]]
        let region: String
        let access_key_id: String
        let secret_access_key: String
        let token: String?
        let time: Int
    }

    @Test func signaturesMatchBotocoreOnRandomRequests() throws {
        print("BotocoreDifferentialTests seed \(Self.seed)")
        var generator = SplitMix64(seed: Self.seed)
        let regions = ["us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1"]
        var cases: [Case] = []
        var expected: [String] = []
        for index in 0..<200 {
            let key = Botocore.randomKey(using: &generator)
            let location = try S3Location(parsing: "s3://bucket-\(index % 7)/\(key)")
            let region = regions[Int.random(in: 0..<regions.count, using: &generator)]
            var url = try S3Access.resolve(
                location,
                configuration: S3Configuration(
                    profile: "default", credentials: nil, region: region, endpoint: nil,
                    addressingStyle: Bool.random(using: &generator) ? .auto : .path)
            ).httpURL
            if Bool.random(using: &generator) {
                let value = SignatureV4.uriEncode(key.utf8, keepingSlash: false)
                url += "?versionId=\(value)&x-id=GetObject&partNumber=\(index)"
            }
            var headers: [(name: String, value: String)] = []
            if Bool.random(using: &generator) { headers.append(("Range", "bytes=\(index)-\(index * 1000 + 999)")) }
            if Bool.random(using: &generator) { headers.append(("If-Match", "\"etag-\(index)\"")) }
            if Bool.random(using: &generator) { headers.append(("x-amz-meta-note", "  two   spaces  ")) }
            let token = Bool.random(using: &generator) ? "token/\(index)+=" : nil
            let credentials = AWSCredentials(
                accessKeyID: "AKID\(index)", secretAccessKey: "secret/\(index)+key", sessionToken: token,
                source: "test")
            let time = 1_369_353_600 + Int.random(in: 0..<400_000_000, using: &generator)
            let signed = try SigV4Signer(credentials: credentials, region: region).authorizationHeaders(
                method: "GET", url: url, headers: headers, date: Date(timeIntervalSince1970: TimeInterval(time)))
            expected.append(signed.first { $0.name == "Authorization" }?.value ?? "")
            cases.append(
                Case(
                    method: "GET", url: url, headers: headers.map { [$0.name, $0.value] }, region: region,
                    access_key_id: credentials.accessKeyID, secret_access_key: credentials.secretAccessKey,
                    token: token, time: time))
        }
        let botocore = try Botocore.outputs(of: Botocore.signatureScript, for: cases)
        for (index, (ours, theirs)) in zip(expected, botocore).enumerated() {
            #expect(ours == theirs, "request \(index): \(cases[index].url) \(cases[index].headers)")
        }
    }
    /// Writes the URL of the GetObject request botocore's S3 client sends for each JSON case (caught before sending).
    static let urlScript = """
        import json, os, sys
        import botocore, botocore.session
        from botocore.config import Config
        os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
        session = botocore.session.Session()
        class Captured(Exception):
            pass
        def capture(request, **kwargs):
            raise Captured(request.url)
        urls = []
        for case in json.load(sys.stdin):
            client = session.create_client(
                "s3", region_name=case["region"], endpoint_url=case.get("endpoint"),
                config=Config(
                    signature_version=botocore.UNSIGNED, s3={"addressing_style": case["style"]},
                    retries={"max_attempts": 0}))
            client.meta.events.register("before-send.s3.GetObject", capture)
            try:
                client.get_object(Bucket=case["bucket"], Key=case["key"])
            except Captured as captured:
                urls.append(captured.args[0])
        json.dump(urls, sys.stdout)
        """

    struct URLCase: Encodable {
        let bucket: String
        let key: String
        let region: String
        let endpoint: String?
        let style: String
    }

    @Test func objectURLsMatchBotocoreOnRandomLocations() throws {
        var generator = SplitMix64(seed: Self.seed)
        let buckets = ["bucket", "dandiarchive", "my-bucket-2", "my.dotted.bucket"]
        let regions = ["us-east-1", "us-east-2", "eu-west-1", "cn-north-1"]
        let endpoints: [String?] = [nil, nil, "http://127.0.0.1:9000", "https://minio.example.org/"]
        var cases: [URLCase] = []
        var ours: [String] = []
        for _ in 0..<60 {
            let key = Botocore.randomKey(using: &generator)
            let bucket = buckets.randomElement(using: &generator) ?? "bucket"
            let region = regions.randomElement(using: &generator) ?? "us-east-1"
            let endpoint = endpoints.randomElement(using: &generator) ?? nil
            // Virtual-hosted style for a dotted bucket over HTTPS cannot match a TLS certificate; not compared.
            let styles: [S3AddressingStyle] = bucket.contains(".") ? [.auto, .path] : S3AddressingStyle.allCases
            let style = styles.randomElement(using: &generator) ?? .auto
            let resolution = try S3Access.resolve(
                try S3Location(parsing: "s3://\(bucket)/\(key)"),
                configuration: S3Configuration(
                    profile: "default", credentials: nil, region: region, endpoint: endpoint, addressingStyle: style))
            ours.append(resolution.httpURL)
            cases.append(URLCase(bucket: bucket, key: key, region: region, endpoint: endpoint, style: style.rawValue))
        }
        let botocore = try Botocore.outputs(of: Self.urlScript, for: cases)
        for (index, (url, theirs)) in zip(ours, botocore).enumerated() {
            #expect(url == theirs, "case \(index): \(cases[index])")
        }
    }
}
