import ArgumentParser
import ByteSources
import HDF5

/// The file to read, shared by every subcommand.
struct SourceOptions: ParsableArguments {
    @Argument(help: "The HDF5/NWB file: a local path, or an http:// or https:// URL.")
    var source: String

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
            throw SourceOptionsError.s3NotBuilt(url: source)
        case .path:
            return try MappedFileSource(path: source)
        }
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

/// SOURCE names something this build cannot open.
enum SourceOptionsError: Error, Equatable, CustomStringConvertible {
    case s3NotBuilt(url: String)

    var description: String {
        switch self {
        case .s3NotBuilt(let url):
            return "S3 support not built in this branch: cannot open \(url); use the object's https:// URL"
        }
    }
}
