import Foundation
import Testing
import TestSupport

@testable import S3

/// Random text made of the characters that matter to each parser never traps: every input gives a value or an
/// `S3Error`.
@Suite struct MalformedInputTests {
    static let seed: UInt64 = 0x5EED_5143

    static func randomText(from alphabet: [Character], maximumLength: Int, using generator: inout SplitMix64)
        -> String
    {
        String(
            (0..<Int.random(in: 0...maximumLength, using: &generator)).map { _ in
                alphabet.randomElement(using: &generator) ?? " "
            })
    }

    static func expectValueOrS3Error(_ input: String, _ body: () throws -> Void) {
        do {
            try body()
        } catch {
            #expect(error is S3Error, "input \(input.debugDescription) gave \(error)")
        }
    }

    @Test func randomConfigurationFilesParseOrGiveTypedErrors() {
        print("MalformedInputTests seed \(Self.seed)")
        var generator = SplitMix64(seed: Self.seed)
        let alphabet = Array("[]=#; \t\n\r\u{0}abcprofile_-é")
        for _ in 0..<2000 {
            let text = Self.randomText(from: alphabet, maximumLength: 80, using: &generator)
            Self.expectValueOrS3Error(text) {
                let file = try AWSConfigurationFile(parsing: text, path: "fuzz")
                _ = file.profile("a", isConfigFile: true)
            }
        }
    }

    @Test func randomLocationsAndRequestURLsParseOrGiveTypedErrors() {
        var generator = SplitMix64(seed: Self.seed)
        let alphabet = Array("s3:/.-_aZ09%?#&=+@[] é\u{0}httpHTTP")
        for _ in 0..<3000 {
            let text = Self.randomText(from: alphabet, maximumLength: 40, using: &generator)
            Self.expectValueOrS3Error(text) { _ = try S3Location(parsing: "s3://" + text) }
            Self.expectValueOrS3Error(text) { _ = try S3Location(parsing: text) }
            Self.expectValueOrS3Error(text) {
                let url = try RequestURL("https://" + text)
                _ = try SignatureV4.canonicalURI(path: url.path)
                _ = try SignatureV4.canonicalQueryString(query: url.query)
            }
            Self.expectValueOrS3Error(text) { _ = try S3Endpoint(parsing: text) }
        }
    }
}
