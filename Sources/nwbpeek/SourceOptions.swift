import ArgumentParser
import ByteSources
import Foundation
import HDF5
import S3

/// The file to read, shared by every subcommand.
struct SourceOptions: ParsableArguments {
    @Argument(help: "The HDF5/NWB file: a local path, an http:// or https:// URL, or s3://bucket/key.")
    var source: String

    @Option(help: "The S3 endpoint for s3:// sources (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's endpoint_url, or AWS).")
    var endpoint: String?

    @Flag(help: "Read s3:// sources without signing (public buckets); also AWS_NO_SIGN_REQUEST=true.")
    var anon = false

    @Flag(help: "Print requests, bytes fetched, round trips, cache hits, retries and wall time to standard error.")
    var stats = false

    @Option(help: "Transfers at once from a remote source.")
    var maxConnections = HTTPSource.Options().maximumConcurrentTransfers

    func validate() throws {
        guard (1...256).contains(maxConnections) else {
            throw ValidationError("--max-connections must be between 1 and 256, not \(maxConnections)")
        }
    }

    /// Where the bytes come from: a mapped local file or an HTTP(S) object.
    func openSource() async throws -> any ByteSource {
        switch SourceLocation(source) {
        case .http:
            var options = HTTPSource.Options()
            options.maximumConcurrentTransfers = maxConnections
            options.maximumConnectionsPerHost = maxConnections
            return try await HTTPSource(url: source, options: options)
        case .s3:
            let environment = ProcessInfo.processInfo.environment
            let resolution = try S3Access.resolve(
                url: source, endpoint: endpoint, anonymous: anon, environment: environment,
                homeDirectory: environment["HOME"] ?? NSHomeDirectory())
            var options = HTTPSource.Options()
            options.maximumConcurrentTransfers = maxConnections
            options.maximumConnectionsPerHost = maxConnections
            do {
                return try await HTTPSource(url: resolution.httpURL, signer: resolution.signer, options: options)
            } catch let error as HTTPSourceError {
                throw SourceOptionsError.s3(description: resolution.description, underlying: error)
            }
        case .path:
            return try MappedFileSource(path: source)
        }
    }

    func open() async throws -> HDF5File {
        try await HDF5File(source: openSource())
    }
}

/// How SOURCE names the file.
enum SourceLocation: Equatable {
    case path, http, s3

    init(_ source: String) {
        let lowercased = source.lowercased()
        if lowercased.hasPrefix("http://") || lowercased.hasPrefix("https://") {
            self = .http
        } else if lowercased.hasPrefix("s3://") {
            self = .s3
        } else {
            self = .path
        }
    }
}

/// An S3 object could not be opened: what was asked for (bucket, key, region, endpoint,
/// identity; never a secret) and what the server said.
enum SourceOptionsError: Error, CustomStringConvertible {
    case s3(description: String, underlying: HTTPSourceError)

    var description: String {
        switch self {
        case .s3(let description, let underlying):
            return "\(underlying) (S3 \(description))"
        }
    }
}
