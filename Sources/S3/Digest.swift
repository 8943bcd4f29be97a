import ByteKit
import COpenSSL

/// OpenSSL's libcrypto, loaded (dlopen) when the first request is signed: only S3 sources sign,
/// so other commands never load it. Called through the wrappers of `COpenSSL/shim.h`.
private let libcrypto = RuntimeLibrary.load(
    ["libcrypto.so.3", "libcrypto.so"], into: nwbpeek_crypto_functions(),
    symbols: [("EVP_Digest", \.digest), ("HMAC", \.hmac), ("EVP_sha256", \.sha256)]
)
.mapError { S3Error.cryptographyUnavailable(reason: $0.describing("libcrypto")) }

/// SHA-256 (FIPS 180-4), computed by OpenSSL's libcrypto: tested cryptography rather than our own.
public enum SHA256 {
    /// The 32-byte digest of `bytes`.
    public static func digest(_ bytes: some Collection<UInt8>) throws -> [UInt8] {
        let crypto = try libcrypto.get().functions
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let succeeded = withContiguousBytes(bytes) { input in
            nwbpeek_EVP_Digest(
                crypto.digest, input.baseAddress, input.count, &digest, &length, nwbpeek_EVP_sha256(crypto.sha256), nil) == 1
        }
        // EVP_Digest fails only when OpenSSL cannot allocate memory.
        guard succeeded, length == 32 else { throw S3Error.cryptographyFailed(operation: "SHA-256") }
        return Array(digest.prefix(32))
    }

    /// The digest of a string's UTF-8 bytes, as 64 lowercase hexadecimal digits.
    public static func hexDigest(_ text: String) throws -> String {
        hexadecimal(try digest(Array(text.utf8)))
    }

    /// The digest of the empty string: the payload hash of a request without a body.
    public static let emptyHexDigest = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
}

/// HMAC (RFC 2104) with SHA-256, computed by OpenSSL's libcrypto.
public enum HMACSHA256 {
    /// The 32-byte authentication code of `message` under `key`.
    public static func authenticationCode(key: [UInt8], message: some Collection<UInt8>) throws -> [UInt8] {
        let crypto = try libcrypto.get().functions
        var code = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let result = key.withUnsafeBufferPointer { keyBytes in
            withContiguousBytes(message) { input in
                // Keys are a secret's bytes or earlier 32-byte codes: far below Int32.max.
                nwbpeek_HMAC(
                    crypto.hmac, nwbpeek_EVP_sha256(crypto.sha256), keyBytes.baseAddress, Int32(keyBytes.count),
                    input.baseAddress, input.count, &code, &length)
            }
        }
        // HMAC returns nil only when OpenSSL cannot allocate memory.
        guard result != nil, length == 32 else { throw S3Error.cryptographyFailed(operation: "HMAC-SHA256") }
        return Array(code.prefix(32))
    }

    /// The authentication code of a string's UTF-8 bytes.
    public static func authenticationCode(key: [UInt8], message: String) throws -> [UInt8] {
        try authenticationCode(key: key, message: Array(message.utf8))
    }
}

/// Lowercase hexadecimal digits of `bytes`, two per byte.
func hexadecimal(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var characters: [UInt8] = []
    for byte in bytes {
        characters.append(digits[Int(byte >> 4)])
        characters.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: characters, as: UTF8.self)
}

/// Runs `body` over the bytes of `bytes` as one contiguous buffer (copying only when they are not contiguous).
private func withContiguousBytes<Result>(
    _ bytes: some Collection<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Result
) -> Result {
    if let result = bytes.withContiguousStorageIfAvailable(body) {
        return result
    }
    return Array(bytes).withUnsafeBufferPointer(body)
}
