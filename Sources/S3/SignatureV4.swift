import Foundation

/// The steps of AWS Signature Version 4 as S3 applies them: canonical request, string to sign, signing key,
/// signature. Pure functions of their inputs; `SigV4Signer` chooses the headers and holds the credentials.
///
/// AWS Identity and Access Management User Guide, "Create a signed AWS API request" (Signature Version 4), and
/// Amazon S3 API Reference, "Signature Calculations for the Authorization Header". S3 differs from other services in
/// two ways this code follows: the path is URI-encoded once (not twice) and is not normalized (`//a/./b` is signed
/// as it is sent).
enum SignatureV4 {
    static let algorithm = "AWS4-HMAC-SHA256"
    static let terminator = "aws4_request"

    // MARK: Canonical request

    /// The canonical request: method, canonical URI, canonical query string, canonical headers, signed headers and
    /// payload hash, one per line. `headers` are the headers to sign (any case, any order, repeats allowed).
    static func canonicalRequest(
        method: String, path: Substring, query: Substring?, headers: [(name: String, value: String)],
        payloadHash: String
    ) throws -> String {
        let canonicalHeaders = canonicalHeaders(headers)
        return [
            method,
            try canonicalURI(path: path),
            try canonicalQueryString(query: query),
            canonicalHeaders.lines,
            canonicalHeaders.signedHeaders,
            payloadHash,
        ].joined(separator: "\n")
    }

    /// The URL's path decoded once and URI-encoded once with `/` kept (S3's rule); `/` when the path is empty.
    static func canonicalURI(path: Substring) throws -> String {
        guard !path.isEmpty else { return "/" }
        return uriEncode(try percentDecode(path), keepingSlash: true)
    }

    /// The query's parameters, each name and value decoded and URI-encoded (with `/` encoded), sorted by name then
    /// value; a parameter without `=` gets an empty value.
    static func canonicalQueryString(query: Substring?) throws -> String {
        guard let query else { return "" }
        var parameters: [(name: String, value: String)] = []
        for parameter in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = uriEncode(try percentDecode(parts[0]), keepingSlash: false)
            let value = parts.count > 1 ? uriEncode(try percentDecode(parts[1]), keepingSlash: false) : ""
            parameters.append((name, value))
        }
        // Encoded names contain only ASCII, so comparing their UTF-8 bytes is the byte order AWS asks for.
        parameters.sort {
            ($0.name.utf8.lexicographicallyPrecedes($1.name.utf8))
                || ($0.name == $1.name && $0.value.utf8.lexicographicallyPrecedes($1.value.utf8))
        }
        return parameters.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// Canonical header lines (`name:value\n` each, names lowercased and sorted, values trimmed with inner runs of
    /// spaces collapsed, repeated headers joined by commas in their order) and the `;`-separated signed header names.
    static func canonicalHeaders(
        _ headers: [(name: String, value: String)]
    ) -> (lines: String, signedHeaders: String) {
        var valuesByName: [String: [String]] = [:]
        for header in headers {
            valuesByName[header.name.lowercased(), default: []].append(trimmedHeaderValue(header.value))
        }
        let names = valuesByName.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let lines = names.map { name in "\(name):\(valuesByName[name, default: []].joined(separator: ","))\n" }
        return (lines.joined(), names.joined(separator: ";"))
    }

    /// A header value without leading or trailing white space, with each inner run of spaces made one space.
    static func trimmedHeaderValue(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    // MARK: Signature

    /// `<date stamp>/<region>/<service>/aws4_request`.
    static func credentialScope(dateStamp: String, region: String, service: String) -> String {
        "\(dateStamp)/\(region)/\(service)/\(terminator)"
    }

    /// The algorithm, the request's `x-amz-date` timestamp, the credential scope and the canonical request's hash.
    static func stringToSign(timestamp: String, credentialScope: String, canonicalRequest: String) throws -> String {
        [algorithm, timestamp, credentialScope, try SHA256.hexDigest(canonicalRequest)].joined(separator: "\n")
    }

    /// HMAC chain `"AWS4" + secret` → date stamp → region → service → `aws4_request`. Valid for one day and region.
    static func signingKey(secretAccessKey: String, dateStamp: String, region: String, service: String) throws
        -> [UInt8]
    {
        var key = Array("AWS4\(secretAccessKey)".utf8)
        for part in [dateStamp, region, service, terminator] {
            key = try HMACSHA256.authenticationCode(key: key, message: part)
        }
        return key
    }

    /// The signature: the string to sign's HMAC under the signing key, in lowercase hexadecimal.
    static func signature(signingKey: [UInt8], stringToSign: String) throws -> String {
        hexadecimal(try HMACSHA256.authenticationCode(key: signingKey, message: stringToSign))
    }

    // MARK: Encoding

    /// AWS's URI encoding: every byte except `A-Z a-z 0-9 - . _ ~` (and `/` when `keepingSlash`) becomes `%XY`
    /// with uppercase hexadecimal digits.
    static func uriEncode(_ bytes: some Sequence<UInt8>, keepingSlash: Bool) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var encoded: [UInt8] = []
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.append(byte)
            case UInt8(ascii: "/") where keepingSlash:
                encoded.append(byte)
            default:
                encoded += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]]
            }
        }
        return String(decoding: encoded, as: UTF8.self)
    }

    /// The bytes of `text` with each `%XY` replaced by the byte it encodes (`+` stays `+`: S3 keys may contain it).
    static func percentDecode(_ text: Substring) throws -> [UInt8] {
        var decoded: [UInt8] = []
        var bytes = text.utf8.makeIterator()
        while let byte = bytes.next() {
            guard byte == UInt8(ascii: "%") else {
                decoded.append(byte)
                continue
            }
            guard let high = bytes.next().flatMap(hexadecimalValue), let low = bytes.next().flatMap(hexadecimalValue)
            else {
                throw S3Error.invalidRequestURL(
                    url: String(text), reason: "'%' is not followed by two hexadecimal digits")
            }
            decoded.append(high << 4 | low)
        }
        return decoded
    }

    private static func hexadecimalValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    // MARK: Time

    /// The `x-amz-date` timestamp (`20150830T123600Z`) and the date stamp of the credential scope (`20150830`), in UTC.
    static func timestamps(of date: Date) -> (timestamp: String, dateStamp: String) {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var fields = tm()
        gmtime_r(&seconds, &fields)
        let dateStamp = String(
            format: "%04d%02d%02d", Int(fields.tm_year) + 1900, Int(fields.tm_mon) + 1, Int(fields.tm_mday))
        let timestamp =
            dateStamp
            + String(format: "T%02d%02d%02dZ", Int(fields.tm_hour), Int(fields.tm_min), Int(fields.tm_sec))
        return (timestamp, dateStamp)
    }
}
