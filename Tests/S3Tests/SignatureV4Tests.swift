import Foundation
import Testing

@testable import S3

/// AWS's Signature Version 4 test suite ("Signature Version 4 test suite", AWS General Reference; the files are kept
/// in awslabs/aws-c-auth, tests/aws-signing-test-suite/v4/<case>/): credentials AKIDEXAMPLE, region us-east-1,
/// service "service", 2015-08-30T12:36:00Z. The suite writes request paths raw (`/example space/`); here they are
/// given as URLs (`/example%20space/`), whose single decode-and-encode is S3's rule. The chosen cases are those
/// where S3's rules (no path normalization, no double encoding) agree with the suite's.
struct TestSuiteCase: CustomTestStringConvertible, Sendable {
    let name: String
    let method: String
    let url: String
    /// The request's headers plus those the suite's signer adds before signing (X-Amz-Date, and
    /// X-Amz-Security-Token or x-amz-content-sha256 where the case's context asks for them).
    let headers: [(name: String, value: String)]
    let canonicalRequest: [String]
    let signature: String

    var testDescription: String { name }

    static let secretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

    static let all: [TestSuiteCase] = [
        TestSuiteCase(
            name: "get-vanilla", method: "GET",
            url: "https://example.amazonaws.com/",
            headers: [
                ("Host", "example.amazonaws.com"),
                ("X-Amz-Date", "20150830T123600Z"),
            ],
            canonicalRequest: [
                "GET",
                "/",
                "",
                "host:example.amazonaws.com",
                "x-amz-date:20150830T123600Z",
                "",
                "host;x-amz-date",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ],
            signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        TestSuiteCase(
            name: "get-vanilla-query-order-key-case", method: "GET",
            url: "https://example.amazonaws.com/?Param2=value2&Param1=value1",
            headers: [
                ("Host", "example.amazonaws.com"),
                ("X-Amz-Date", "20150830T123600Z"),
            ],
            canonicalRequest: [
                "GET",
                "/",
                "Param1=value1&Param2=value2",
                "host:example.amazonaws.com",
                "x-amz-date:20150830T123600Z",
                "",
                "host;x-amz-date",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ],
            signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        TestSuiteCase(
            name: "get-vanilla-query-order-encoded", method: "GET",
            url: "https://example.amazonaws.com/?Param-3=Value3&Param=Value2&%E1%88%B4=Value1",
            headers: [
                ("Host", "example.amazonaws.com"),
                ("X-Amz-Date", "20150830T123600Z"),
            ],
            canonicalRequest: [
                "GET",
                "/",
                "%E1%88%B4=Value1&Param=Value2&Param-3=Value3",
                "host:example.amazonaws.com",
                "x-amz-date:20150830T123600Z",
                "",
                "host;x-amz-date",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ],
            signature: "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac"),
        TestSuiteCase(
            name: "get-vanilla-query-unreserved", method: "GET",
            url:
                "https://example.amazonaws.com/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            headers: [
                ("Host", "example.amazonaws.com"),
                ("X-Amz-Date", "20150830T123600Z"),
            ],
            canonicalRequest: [
                "GET",
                "/",
                "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                "host:example.amazonaws.com",
                "x-amz-date:20150830T123600Z",
                "",
                "host;x-amz-date",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ],
            signature: "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"),
        TestSuiteCase(
            name: "get-vanilla-utf8-query", method: "GET",
            url: "https://example.amazonaws.com/?%E1%88%B4=bar",
            headers: [
                ("Host", "example.amazonaws.com"),
                ("X-Amz-Date", "20150830T123600Z"),
            ],
            canonicalRequest: [
                "GET",
                "/",
                "%E1%88%B4=bar",
                "host:example.amazonaws.com",
                "x-amz-date:20150830T123600Z",
                "",
                "host;x-amz-date",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ],
            signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
        TestSuiteCase(
            name: "get-vanilla-empty-query-key", method: "GET",
            url: "https://example.amazonaws.com/?Param1=value1",
            headers: [
                ("Host", "example.amazonaws.com"),
                ("X-Amz-Date", "20150830T123600Z"),
            ],
            canonicalRequest: [
                "GET",
                "/",
                "Param1=value1",
                "host:example.amazonaws.com",
                "x-amz-date:20150830T123600Z",
                "",
                "host;x-amz-date",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ],
            signature: "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"),
        TestSuiteCase(
            name: "get-header-value-trim", method: "GET",
            url: "https://example.amazonaws.com/",
            headers: [
                ("Host", "example.amazonaws.com"),
                ("My-Header1", " value1"),
                ("My-Header2", " \"a   b   c\""),
                ("X-Amz-Date", "20150830T123600Z"),
            ],
            canonicalRequest: [
                "GET",
                "/",
                "",
                "host:example.amazonaws.com",
                "my-header1:value1",
                "my-header2:\"a b c\"",
                "x-amz-date:20150830T123600Z",
                "",
                "host;my-header1;my-header2;x-amz-date",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ],
            signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
        TestSuiteCase(
            name: "get-header-key-duplicate", method: "GET",
            url: "https://example.amazonaws.com/",
            headers: [
                ("Host", "example.amazonaws.com"),
                ("My-Header1", "value2"),
                ("My-Header1", "value2"),
                ("My-Header1", "value1"),
                ("X-Amz-Date", "20150830T123600Z"),
            ],
            canonicalRequest: [
                "GET",
                "/",
                "",
                "host:example.amazonaws.com",
                "my-header1:value2,value2,value1",
                "x-amz-date:20150830T123600Z",
                "",
                "host;my-header1;x-amz-date",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ],
            signature: "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"),
        TestSuiteCase(
            name: "get-header-value-order", method: "GET",
            url: "https://example.amazonaws.com/",
            headers: [
                ("Host", "example.amazonaws.com"),
                ("My-Header1", "value4"),
                ("My-Header1", "value1"),
                ("My-Header1", "value3"),
                ("My-Header1", "value2"),
                ("X-Amz-Date", "20150830T123600Z"),
            ],
            canonicalRequest: [
                "GET",
                "/",
                "",
                "host:example.amazonaws.com",
                "my-header1:value4,value1,value3,value2",
                "x-amz-date:20150830T123600Z",
                "",
                "host;my-header1;x-amz-date",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ],
            signature: "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"),
        TestSuiteCase(
            name: "get-utf8", method: "GET",
            url: "https://example.amazonaws.com/%E1%88%B4",
            headers: [
                ("Host", "example.amazonaws.com"),
                ("X-Amz-Date", "20150830T123600Z"),
            ],
            canonicalRequest: [
                "GET",
                "/%E1%88%B4",
                "",
                "host:example.amazonaws.com",
                "x-amz-date:20150830T123600Z",
                "",
                "host;x-amz-date",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ],
            signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
        TestSuiteCase(
            name: "get-unreserved", method: "GET",
            url: "https://example.amazonaws.com/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            headers: [
                ("Host", "example.amazonaws.com"),
                ("X-Amz-Date", "20150830T123600Z"),
            ],
            canonicalRequest: [
                "GET",
                "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                "",
                "host:example.amazonaws.com",
                "x-amz-date:20150830T123600Z",
                "",
                "host;x-amz-date",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ],
            signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
        TestSuiteCase(
            name: "get-space-unnormalized", method: "GET",
            url: "https://example.amazonaws.com/example%20space/",
            headers: [
                ("Host", "example.amazonaws.com"),
                ("X-Amz-Date", "20150830T123600Z"),
            ],
            canonicalRequest: [
                "GET",
                "/example%20space/",
                "",
                "host:example.amazonaws.com",
                "x-amz-date:20150830T123600Z",
                "",
                "host;x-amz-date",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ],
            signature: "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"),
        TestSuiteCase(
            name: "get-slashes-unnormalized", method: "GET",
            url: "https://example.amazonaws.com//example//",
            headers: [
                ("Host", "example.amazonaws.com"),
                ("X-Amz-Date", "20150830T123600Z"),
            ],
            canonicalRequest: [
                "GET",
                "//example//",
                "",
                "host:example.amazonaws.com",
                "x-amz-date:20150830T123600Z",
                "",
                "host;x-amz-date",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ],
            signature: "87cca117541a147f6df867677d98a7d80dff226d2bfca9e4ffa899665623c7e5"),
        TestSuiteCase(
            name: "get-vanilla-with-session-token", method: "GET",
            url: "https://example.amazonaws.com/",
            headers: [
                ("Host", "example.amazonaws.com"),
                ("X-Amz-Date", "20150830T123600Z"),
                ("X-Amz-Security-Token", "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"),
            ],
            canonicalRequest: [
                "GET",
                "/",
                "",
                "host:example.amazonaws.com",
                "x-amz-date:20150830T123600Z",
                "x-amz-security-token:6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
                "",
                "host;x-amz-date;x-amz-security-token",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ],
            signature: "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8"),
        TestSuiteCase(
            name: "post-vanilla", method: "POST",
            url: "https://example.amazonaws.com/",
            headers: [
                ("Host", "example.amazonaws.com"),
                ("X-Amz-Date", "20150830T123600Z"),
            ],
            canonicalRequest: [
                "POST",
                "/",
                "",
                "host:example.amazonaws.com",
                "x-amz-date:20150830T123600Z",
                "",
                "host;x-amz-date",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ],
            signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        TestSuiteCase(
            name: "post-vanilla-empty-query-value", method: "POST",
            url: "https://example.amazonaws.com/?Param1=value1",
            headers: [
                ("Host", "example.amazonaws.com"),
                ("X-Amz-Date", "20150830T123600Z"),
            ],
            canonicalRequest: [
                "POST",
                "/",
                "Param1=value1",
                "host:example.amazonaws.com",
                "x-amz-date:20150830T123600Z",
                "",
                "host;x-amz-date",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ],
            signature: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"),
        TestSuiteCase(
            name: "post-header-key-sort", method: "POST",
            url: "https://example.amazonaws.com/",
            headers: [
                ("Host", "example.amazonaws.com"),
                ("My-Header1", "value1"),
                ("X-Amz-Date", "20150830T123600Z"),
            ],
            canonicalRequest: [
                "POST",
                "/",
                "",
                "host:example.amazonaws.com",
                "my-header1:value1",
                "x-amz-date:20150830T123600Z",
                "",
                "host;my-header1;x-amz-date",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ],
            signature: "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"),
        TestSuiteCase(
            name: "post-header-value-case", method: "POST",
            url: "https://example.amazonaws.com/",
            headers: [
                ("Host", "example.amazonaws.com"),
                ("My-Header1", "VALUE1"),
                ("X-Amz-Date", "20150830T123600Z"),
            ],
            canonicalRequest: [
                "POST",
                "/",
                "",
                "host:example.amazonaws.com",
                "my-header1:VALUE1",
                "x-amz-date:20150830T123600Z",
                "",
                "host;my-header1;x-amz-date",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ],
            signature: "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"),
        TestSuiteCase(
            name: "post-x-www-form-urlencoded", method: "POST",
            url: "https://example.amazonaws.com/",
            headers: [
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Host", "example.amazonaws.com"),
                ("Content-Length", "13"),
                ("X-Amz-Date", "20150830T123600Z"),
                ("x-amz-content-sha256", "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"),
            ],
            canonicalRequest: [
                "POST",
                "/",
                "",
                "content-length:13",
                "content-type:application/x-www-form-urlencoded",
                "host:example.amazonaws.com",
                "x-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
                "x-amz-date:20150830T123600Z",
                "",
                "content-length;content-type;host;x-amz-content-sha256;x-amz-date",
                "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            ],
            signature: "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b"),
        TestSuiteCase(
            name: "post-x-www-form-urlencoded-parameters", method: "POST",
            url: "https://example.amazonaws.com/",
            headers: [
                ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
                ("Host", "example.amazonaws.com"),
                ("Content-Length", "13"),
                ("X-Amz-Date", "20150830T123600Z"),
                ("x-amz-content-sha256", "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"),
            ],
            canonicalRequest: [
                "POST",
                "/",
                "",
                "content-length:13",
                "content-type:application/x-www-form-urlencoded; charset=utf-8",
                "host:example.amazonaws.com",
                "x-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
                "x-amz-date:20150830T123600Z",
                "",
                "content-length;content-type;host;x-amz-content-sha256;x-amz-date",
                "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            ],
            signature: "328d1b9eaadca9f5818ef05e8392801e091653bafec24fcab71e7344e7f51422"),
        TestSuiteCase(
            name: "post-sts-header-before", method: "POST",
            url: "https://example.amazonaws.com/",
            headers: [
                ("Host", "example.amazonaws.com"),
                ("X-Amz-Date", "20150830T123600Z"),
                (
                    "X-Amz-Security-Token",
                    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
                ),
            ],
            canonicalRequest: [
                "POST",
                "/",
                "",
                "host:example.amazonaws.com",
                "x-amz-date:20150830T123600Z",
                "x-amz-security-token:AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==",
                "",
                "host;x-amz-date;x-amz-security-token",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ],
            signature: "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"),
    ]
}

@Suite struct SignatureV4Tests {
    @Test(arguments: TestSuiteCase.all)
    func canonicalRequestAndSignatureMatchAWSTestSuite(_ vector: TestSuiteCase) throws {
        let request = try RequestURL(vector.url)
        let payloadHash = vector.canonicalRequest.last ?? ""
        let canonicalRequest = try SignatureV4.canonicalRequest(
            method: vector.method, path: request.path, query: request.query, headers: vector.headers,
            payloadHash: payloadHash)
        #expect(canonicalRequest == vector.canonicalRequest.joined(separator: "\n"))

        let scope = SignatureV4.credentialScope(dateStamp: "20150830", region: "us-east-1", service: "service")
        let stringToSign = try SignatureV4.stringToSign(
            timestamp: "20150830T123600Z", credentialScope: scope, canonicalRequest: canonicalRequest)
        let key = try SignatureV4.signingKey(
            secretAccessKey: TestSuiteCase.secretAccessKey, dateStamp: "20150830", region: "us-east-1",
            service: "service")
        #expect(try SignatureV4.signature(signingKey: key, stringToSign: stringToSign) == vector.signature)
    }

    @Test func getVanillaStringToSignMatchesAWSTestSuite() throws {
        let canonicalRequest = try #require(TestSuiteCase.all.first).canonicalRequest.joined(separator: "\n")
        let stringToSign = try SignatureV4.stringToSign(
            timestamp: "20150830T123600Z", credentialScope: "20150830/us-east-1/service/aws4_request",
            canonicalRequest: canonicalRequest)
        #expect(
            stringToSign == """
                AWS4-HMAC-SHA256
                20150830T123600Z
                20150830/us-east-1/service/aws4_request
                bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63
                """)
    }

    @Test func uriEncodingKeepsUnreservedBytesAndEncodesTheRestInUppercase() {
        #expect(SignatureV4.uriEncode(Array("a/b c+d~é".utf8), keepingSlash: true) == "a/b%20c%2Bd~%C3%A9")
        #expect(SignatureV4.uriEncode(Array("a/b=c".utf8), keepingSlash: false) == "a%2Fb%3Dc")
    }

    @Test func canonicalURINormalizesPercentEncodingButNotDotSegments() throws {
        // S3 signs the decoded key, so an encoded slash is signed as the slash it stands for.
        #expect(try SignatureV4.canonicalURI(path: "/a%2fb/./c%7E!") == "/a/b/./c~%21")
        #expect(try SignatureV4.canonicalURI(path: "") == "/")
    }

    @Test func malformedPercentEncodingIsAnError() {
        #expect(throws: S3Error.self) { try SignatureV4.canonicalURI(path: "/a%2") }
        #expect(throws: S3Error.self) { try SignatureV4.canonicalQueryString(query: "a=%zz") }
    }

    @Test func timestampsAreInUTC() {
        let (timestamp, dateStamp) = SignatureV4.timestamps(of: Date(timeIntervalSince1970: 1_440_938_160.9))
        #expect(timestamp == "20150830T123600Z")
        #expect(dateStamp == "20150830")
    }
}
