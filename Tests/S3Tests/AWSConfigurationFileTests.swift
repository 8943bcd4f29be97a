import Foundation
import Testing

@testable import S3

@Suite struct AWSConfigurationFileTests {
    @Test func parsesSectionsCommentsWhitespaceAndNestedSettings() throws {
        let file = try AWSConfigurationFile(
            parsing: """
                # a comment
                ; another comment
                [default]
                region=us-west-2
                  
                [profile data]   # trailing comment
                Region = eu-west-1\r
                output = json # not a comment: part of the value, as in the AWS CLI
                s3 =
                    addressing_style = path
                    endpoint_url = http://127.0.0.1:9000
                endpoint_url = https://example.org
                [ services local ]
                s3 =
                  endpoint_url = http://localhost:8333
                """,
            path: "config")
        #expect(file.sections["default"] == ["region": "us-west-2"])
        #expect(
            file.sections["profile data"] == [
                "region": "eu-west-1", "output": "json # not a comment: part of the value, as in the AWS CLI",
                "s3": "", "s3.addressing_style": "path", "s3.endpoint_url": "http://127.0.0.1:9000",
                "endpoint_url": "https://example.org",
            ])
        #expect(file.sections["services local"] == ["s3": "", "s3.endpoint_url": "http://localhost:8333"])
    }

    @Test func configFileProfilesAreNamedWithProfilePrefixExceptDefault() throws {
        let config = try AWSConfigurationFile(
            parsing: "[default]\nregion = a\n[profile   work]\nregion = b\n[work]\nregion = c\n", path: "config")
        #expect(config.profile("default", isConfigFile: true) == ["region": "a"])
        #expect(config.profile("work", isConfigFile: true) == ["region": "b"])
        #expect(config.profile("work", isConfigFile: false) == ["region": "c"])
        #expect(config.profile("missing", isConfigFile: true) == nil)
    }

    @Test func indentedContinuationLinesJoinThePreviousValueAsInTheAWSCLI() throws {
        let file = try AWSConfigurationFile(
            parsing: "[default]\nca_bundle = one\n  two\n  three = four\nregion = x\n", path: "credentials")
        #expect(file.sections["default"] == ["ca_bundle": "one\ntwo\nthree = four", "region": "x"])
    }

    @Test(arguments: [
        ("region = x\n", 1, "a setting comes before any [section]"),
        ("[default\n", 1, "a section header lacks ']'"),
        ("[default]\nnot a setting\n", 2, "expected 'key = value'"),
        ("[default]\ns3 =\n  nested without equals\n", 3, "expected 'key = value'"),
        ("[]\n", 1, "a section header has no name"),
        ("[default] junk\n", 1, "text after a section header"),
        ("[default]\n = value\n", 2, "a setting has no key"),
    ])
    func malformedLinesAreErrorsNamingFileAndLine(text: String, line: Int, reason: String) {
        #expect(throws: S3Error.malformedConfiguration(file: "/home/u/.aws/config", line: line, reason: reason)) {
            try AWSConfigurationFile(parsing: text, path: "/home/u/.aws/config")
        }
    }

    @Test func loadReturnsNilForAMissingFileAndParsesAnExistingOne() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("s3tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try AWSConfigurationFile.load(path: directory.appendingPathComponent("absent").path) == nil)
        let path = directory.appendingPathComponent("credentials").path
        try "[default]\naws_access_key_id = A\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try AWSConfigurationFile.load(path: path)?.sections["default"] == ["aws_access_key_id": "A"])
    }
}
