import Foundation

/// `range_server.py` run for one test: serves a temporary directory on a free loopback port,
/// with faults chosen by each URL's first path component (see the script's docstring).
public final class RangeServer {
    public let directory: URL
    public let port: Int
    private let process: Process
    private let input = Pipe()

    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("range_server.py").path

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("range-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, directory.path]
        let output = Pipe()
        process.standardOutput = output
        // The server exits when this pipe closes, so it never outlives the test process.
        process.standardInput = input
        try process.run()
        // The script prints the port it bound, then serves.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            process.terminate()
            throw ServerFailure(message: "range_server.py did not print its port")
        }
        self.port = port
    }

    /// Serves `body` with a server started for it, stopping the server afterwards.
    public static func with<T>(_ body: (RangeServer) async throws -> T) async throws -> T {
        let server = try RangeServer()
        defer { server.stop() }
        return try await body(server)
    }

    /// Writes `bytes` as the file `name` of the served directory.
    public func put(_ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: directory.appendingPathComponent(name))
    }

    /// The URL of `name` served with `fault` ("ok" for none).
    public func url(_ name: String, fault: String = "ok") -> String {
        "http://127.0.0.1:\(port)/\(fault)/\(name)"
    }

    /// The most requests for `name` served with the fault "peak" that were in progress at once:
    /// all of them, and those asking for more than 1 MiB; nil before the first.
    public func peaks(_ name: String) -> (all: Int, large: Int)? {
        guard let text = try? String(contentsOf: directory.appendingPathComponent(name + ".peaks"), encoding: .utf8)
        else { return nil }
        let numbers = text.split(separator: " ").compactMap { Int($0) }
        return numbers.count == 2 ? (numbers[0], numbers[1]) : nil
    }

    public func stop() {
        try? input.fileHandleForWriting.close()
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { if process.isRunning { stop() } }

    public struct ServerFailure: Error {
        public let message: String
    }
}
