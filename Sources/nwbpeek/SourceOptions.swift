import ArgumentParser
import ByteSources
import Foundation
import HDF5
import S3

/// How to reach a remote source, and whether to report what reading it cost.
struct RemoteOptions: ParsableArguments {
    @Option(help: "The S3 endpoint for s3:// sources (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's endpoint_url, or AWS).")
    var endpoint: String?

    @Flag(help: "Read s3:// sources without signing (public buckets); also AWS_NO_SIGN_REQUEST=true.")
    var anon = false

    @Flag(help: "Print requests, bytes fetched, round trips, cache hits, retries and wall time to standard error.")
    var stats = false

    @Option(
        help: "Connections (and transfers at once) to a remote source; transfers of more than 1 MiB at most 8 of them.")
    var maxConnections = HTTPSource.Options().maximumConcurrentTransfers

    @Option(
        help: ArgumentHelp(
            "Seconds to wait for a connection (TCP and TLS) to a remote source before trying again.",
            valueName: "seconds"))
    var connectTimeout = Double(HTTPSource.Options().connectTimeout.components.seconds)

    @Option(
        help: ArgumentHelp(
            "Seconds a transfer may stay below 1 KiB/s (a stalled connection) before it is aborted and retried.",
            valueName: "seconds"))
    var lowSpeedTime = Int(HTTPSource.Options().lowSpeedTime.components.seconds)

    func validate() throws {
        guard (1...256).contains(maxConnections) else {
            throw ValidationError("--max-connections must be between 1 and 256, not \(maxConnections)")
        }
        guard connectTimeout >= 0.001, connectTimeout <= 600 else {
            throw ValidationError("--connect-timeout must be between 0.001 and 600 seconds, not \(connectTimeout)")
        }
        guard (1...3600).contains(lowSpeedTime) else {
            throw ValidationError("--low-speed-time must be between 1 and 3600 seconds, not \(lowSpeedTime)")
        }
    }

    /// The bytes of a source as a person names it: a mapped local file, an HTTP(S) object, or
    /// an S3 object (signed with the credentials the environment and AWS files give). A remote
    /// object's `knownVersion` (an index's record) spares the request that would learn it.
    func byteSource(_ name: String, knownVersion: SourceVersion? = nil) async throws -> any ByteSource {
        var options = HTTPSource.Options()
        options.maximumConcurrentTransfers = maxConnections
        options.maximumLargeTransfers = min(options.maximumLargeTransfers, maxConnections)
        options.maximumConnectionsPerHost = maxConnections
        options.connectTimeout = .milliseconds(Int(connectTimeout * 1000))
        options.lowSpeedTime = .seconds(lowSpeedTime)
        switch SourceLocation(name) {
        case .http:
            return try await HTTPSource(url: name, options: options, knownVersion: knownVersion)
        case .s3:
            let environment = ProcessInfo.processInfo.environment
            let resolution = try S3Access.resolve(
                url: name, endpoint: endpoint, anonymous: anon, environment: environment,
                homeDirectory: environment["HOME"] ?? NSHomeDirectory())
            do {
                return try await HTTPSource(
                    url: resolution.httpURL, signer: resolution.signer, options: options, knownVersion: knownVersion)
            } catch let error as HTTPSourceError {
                throw SourceOptionsError.s3(description: resolution.description, underlying: error)
            }
        case .path:
            return try MappedFileSource(path: name)
        }
    }
}

/// The file to read, shared by every subcommand that reads one.
struct SourceOptions: ParsableArguments {
    @Option(
        name: .long,
        help: """
            An index made by `nwbpeek index`: the file's metadata is taken from it (no reads), only \
            chunk data from the file. SOURCE may then be omitted (the index names it).
            """)
    var index: String?

    @Argument(help: "The HDF5/NWB file: a local path, an http:// or https:// URL, or s3://bucket/key.")
    var source: String?

    @OptionGroup var remote: RemoteOptions

    func validate() throws {
        if source == nil, index == nil { throw ValidationError("Missing expected argument '<source>' (or --index)") }
    }

    /// How errors name the source.
    var name: String { source ?? index ?? "" }

    /// The command's own positional argument (PATH, DATASET) when it was given as `argument`,
    /// or, with --index and a lone positional argument, that argument: SOURCE is then omitted.
    func commandArgument(_ argument: String?) -> String? {
        argument ?? (index != nil ? source : nil)
    }

    /// Opens SOURCE, or the file of the index (the index's SOURCE unless one is given).
    /// `argument` is the command's positional argument as parsed (see `commandArgument`).
    func open(commandArgument argument: String?) async throws -> HDF5File {
        guard let index else {
            return try await HDF5File(source: try await remote.byteSource(source ?? ""))
        }
        let sidecar = try IndexSidecar(path: index)
        let name = argument == nil ? sidecar.sourceURL : (source ?? sidecar.sourceURL)
        return try await HDF5File(
            index: sidecar, source: try await remote.byteSource(name, knownVersion: sidecar.sourceVersion))
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
