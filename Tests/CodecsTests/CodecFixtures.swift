import ByteKit
import Codecs
import Foundation
import Testing

/// Chunks that libhdf5 (h5py) and its plugins (hdf5plugin) filtered, generated once per test run
/// by `Scripts/codec_fixtures.py` into a temporary directory: each with its stored bytes, the bytes
/// libhdf5 decodes them to, and the filter pipeline as the file stores it.
struct CodecFixture: Sendable, CustomTestStringConvertible {
    struct Filter: Decodable, Sendable {
        var id: UInt16
        var optional: Bool
        var clientData: [UInt32]
    }

    struct Description: Decodable, Sendable {
        var name: String
        var filterMask: UInt32
        var chunkByteCount: Int
        var elementSize: Int
        var filters: [Filter]
    }

    var description: Description
    var stored: Bytes
    var expected: Bytes

    var testDescription: String { description.name }

    var pipeline: CodecPipeline {
        CodecPipeline(
            filters: description.filters.map { ($0.id, $0.clientData, $0.optional) },
            elementSize: description.elementSize, chunkByteCount: description.chunkByteCount)
    }

    /// The fixtures by name, or nil when python3 with h5py and hdf5plugin is not available.
    static let all: [String: CodecFixture]? = try? generate()

    static var available: Bool { all != nil }

    static func named(_ name: String) throws -> CodecFixture {
        let fixtures = try #require(all, "python3 with h5py and hdf5plugin is needed")
        return try #require(fixtures[name], "no fixture \(name)")
    }

    /// `Scripts/codec_fixtures.py`, found from this file's path.
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Scripts/codec_fixtures.py")

    /// Runs the fixture script into a new temporary directory and returns its JSON output lines.
    static func runScript(arguments: [String] = []) throws -> (directory: URL, lines: [Substring]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("codec-fixtures-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, directory.path] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
        return (directory, String(decoding: data, as: UTF8.self).split(separator: "\n"))
    }

    static func generate() throws -> [String: CodecFixture] {
        let (directory, lines) = try runScript()
        var fixtures: [String: CodecFixture] = [:]
        for line in lines {
            let description = try JSONDecoder().decode(Description.self, from: Data(line.utf8))
            let base = directory.appendingPathComponent(description.name)
            fixtures[description.name] = CodecFixture(
                description: description,
                stored: Bytes(Array(try Data(contentsOf: base.appendingPathExtension("stored")))),
                expected: Bytes(Array(try Data(contentsOf: base.appendingPathExtension("expected")))))
        }
        return fixtures
    }
}
