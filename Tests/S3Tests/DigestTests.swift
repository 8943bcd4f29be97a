import Testing

@testable import S3

@Suite struct DigestTests {
    // FIPS 180-4 examples ("abc") and the empty message.
    @Test func sha256MatchesPublishedDigests() throws {
        #expect(
            try SHA256.hexDigest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(try SHA256.hexDigest("") == SHA256.emptyHexDigest)
        #expect(try hexadecimal(SHA256.digest(Array("abc".utf8).dropFirst())) == (try SHA256.hexDigest("bc")))
    }

    // RFC 4231, test cases 1, 2 and 6 (a key longer than SHA-256's block).
    @Test func hmacSHA256MatchesRFC4231() throws {
        #expect(
            hexadecimal(
                try HMACSHA256.authenticationCode(key: [UInt8](repeating: 0x0b, count: 20), message: "Hi There"))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(
            hexadecimal(
                try HMACSHA256.authenticationCode(key: Array("Jefe".utf8), message: "what do ya want for nothing?"))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(
            hexadecimal(
                try HMACSHA256.authenticationCode(
                    key: [UInt8](repeating: 0xaa, count: 131),
                    message: "Test Using Larger Than Block-Size Key - Hash Key First"))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }
}
