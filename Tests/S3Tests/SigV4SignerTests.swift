import Foundation
import Testing

@testable import S3

@Suite struct SigV4SignerTests {
    static let exampleCredentials = AWSCredentials(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        source: "test")
    /// 2013-05-24T00:00:00Z, the date of AWS's S3 examples.
    static let exampleDate = Date(timeIntervalSince1970: 1_369_353_600)

    static func header(_ name: String, in headers: [(name: String, value: String)]) -> String? {
        headers.first { $0.name.lowercased() == name }?.value
    }

    // Amazon S3 API Reference, "Signature Calculations for the Authorization Header", "Example: GET Bucket
    // Lifecycle" and "Example: Get Bucket (List Objects)": the query string is canonicalized and signed.
    @Test(arguments: [
        (
            "https://examplebucket.s3.amazonaws.com/?lifecycle",
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"
        ),
        (
            "https://examplebucket.s3.amazonaws.com/?prefix=J&max-keys=2",
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"
        ),
    ])
    func bucketRequestsWithQueriesMatchAWSExamples(url: String, signature: String) throws {
        let signer = SigV4Signer(credentials: Self.exampleCredentials, region: "us-east-1")
        let headers = try signer.authorizationHeaders(method: "GET", url: url, headers: [], date: Self.exampleDate)
        #expect(
            Self.header("authorization", in: headers)
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=\(signature)")
    }

    // Amazon S3 API Reference, "Example: GET Object": the first 10 bytes of examplebucket/test.txt.
    @Test func getObjectWithRangeMatchesAWSExample() throws {
        let signer = SigV4Signer(credentials: Self.exampleCredentials, region: "us-east-1")
        let headers = try signer.authorizationHeaders(
            method: "GET", url: "https://examplebucket.s3.amazonaws.com/test.txt",
            headers: [("Range", "bytes=0-9")], date: Self.exampleDate)
        #expect(
            Self.header("authorization", in: headers)
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(Self.header("x-amz-date", in: headers) == "20130524T000000Z")
        #expect(Self.header("x-amz-content-sha256", in: headers) == SHA256.emptyHexDigest)
        #expect(Self.header("x-amz-security-token", in: headers) == nil)
        #expect(headers.count == 3)
    }

    @Test func sessionTokenIsSentAndSigned() throws {
        let credentials = AWSCredentials(
            accessKeyID: "ASIAEXAMPLE", secretAccessKey: "secret", sessionToken: "token/+=", source: "test")
        let signer = SigV4Signer(credentials: credentials, region: "eu-west-1")
        let headers = try signer.authorizationHeaders(
            method: "GET", url: "https://b.s3.eu-west-1.amazonaws.com/k", headers: [], date: Self.exampleDate)
        #expect(Self.header("x-amz-security-token", in: headers) == "token/+=")
        let authorization = try #require(Self.header("authorization", in: headers))
        #expect(authorization.contains("/20130524/eu-west-1/s3/aws4_request, "))
        #expect(authorization.contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"))
    }

    @Test func onlyHeadersAProxyCannotChangeAreSigned() throws {
        let signer = SigV4Signer(credentials: Self.exampleCredentials, region: "us-east-1")
        let headers = try signer.authorizationHeaders(
            method: "GET", url: "https://b.s3.us-east-1.amazonaws.com/k",
            headers: [
                ("User-Agent", "nwbpeek"), ("If-Match", "\"etag\""), ("Range", "bytes=0-1"),
                ("X-Amz-Date", "19990101T000000Z"), ("x-amz-request-payer", "requester"),
            ],
            date: Self.exampleDate)
        let authorization = try #require(Self.header("authorization", in: headers))
        #expect(
            authorization.contains(
                "SignedHeaders=host;if-match;range;x-amz-content-sha256;x-amz-date;x-amz-request-payer,"))
        #expect(Self.header("x-amz-date", in: headers) == "20130524T000000Z")
    }

    @Test func hostHeaderCarriesOnlyANonDefaultPort() throws {
        #expect(try RequestURL("http://127.0.0.1:8333/bucket/key").host == "127.0.0.1:8333")
        #expect(try RequestURL("https://s3.example.org:443/bucket/key").host == "s3.example.org")
        #expect(try RequestURL("http://user@s3.example.org:80").host == "s3.example.org")
        let url = try RequestURL("https://h/a%20b?x=1#fragment")
        #expect(url.path == "/a%20b")
        #expect(url.query == "x=1")
        #expect(throws: S3Error.self) { try RequestURL("s3://bucket/key") }
        #expect(throws: S3Error.self) { try RequestURL("https:///key") }
    }

    @Test func signingTheSameDayTwiceGivesTheSameSignatureAsAFreshSigner() throws {
        let signer = SigV4Signer(credentials: Self.exampleCredentials, region: "us-east-1")
        let url = "https://examplebucket.s3.amazonaws.com/test.txt"
        let first = try signer.authorizationHeaders(method: "GET", url: url, headers: [], date: Self.exampleDate)
        let second = try signer.authorizationHeaders(
            method: "GET", url: url, headers: [], date: Self.exampleDate.addingTimeInterval(3600))
        let fresh = try SigV4Signer(credentials: Self.exampleCredentials, region: "us-east-1")
            .authorizationHeaders(method: "GET", url: url, headers: [], date: Self.exampleDate.addingTimeInterval(3600))
        #expect(Self.header("authorization", in: second) == Self.header("authorization", in: fresh))
        #expect(Self.header("authorization", in: first) != Self.header("authorization", in: second))
        let nextDay = try signer.authorizationHeaders(
            method: "GET", url: url, headers: [], date: Self.exampleDate.addingTimeInterval(86_400))
        #expect(Self.header("authorization", in: nextDay)?.contains("/20130525/us-east-1/s3/") == true)
    }

    @Test func identityDescriptionNamesTheKeyAndRegionButNoSecret() {
        let signer = SigV4Signer(credentials: Self.exampleCredentials, region: "us-west-2")
        #expect(signer.identityDescription == "access key id AKIAIOSFODNN7EXAMPLE from test, region us-west-2")
        #expect(!signer.identityDescription.contains(Self.exampleCredentials.secretAccessKey))
    }
}
