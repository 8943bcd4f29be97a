import ByteKit
import ByteSources
import Foundation
import HDF5
import NWB

/// What pynwb reads from a fixture (`Tests/NWB/pynwb_oracle.py`, run once per file), as the
/// objects `JSONSerialization` gives. Floats come as the text of their shortest repr:
/// Foundation's JSON parser does not always round decimal text to the nearest double.
actor PynwbOracle {
    static let shared = PynwbOracle()
    /// The oracle's output per file name: JSON text, parsed by each caller (parsed objects are
    /// not `Sendable`).
    private var outputs: [String: Task<Data, any Error>] = [:]

    /// The oracle's JSON object for `TestData/fixtures/<name>`.
    nonisolated func result(for name: String) async throws -> [String: Any] {
        let data = try await output(for: name)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw OracleFailure(message: "pynwb_oracle.py \(name) printed no JSON object")
        }
        return object
    }

    private func output(for name: String) async throws -> Data {
        if let running = outputs[name] { return try await running.value }
        let task = Task { try Self.run(name) }
        outputs[name] = task
        return try await task.value
    }

    private static func run(_ name: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "Tests/NWB/pynwb_oracle.py", "--floats-as-text", "TestData/fixtures/" + name]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let messages = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OracleFailure(message: "pynwb_oracle.py \(name) failed: " + (String(data: messages, encoding: .utf8) ?? ""))
        }
        return data
    }
}

struct OracleFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// A source that is not resident, so that reads are fetched; it records the bytes and batches
/// it is asked for.
final class RecordingSource: ByteSource, @unchecked Sendable {
    let inner: MemorySource
    private let lock = NSLock()
    private var recordedBatches = 0
    private var recordedBytes: UInt64 = 0

    init(name: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "TestData/fixtures/" + name)))
        inner = MemorySource(name: name, bytes: bytes)
    }

    var size: UInt64 { inner.size }
    var name: String { inner.name }
    var batches: Int { lock.withLock { recordedBatches } }
    var bytesRead: UInt64 { lock.withLock { recordedBytes } }

    func read(_ ranges: [ByteRange]) async throws -> [Bytes] {
        lock.withLock {
            recordedBatches += 1
            recordedBytes += ranges.reduce(0) { $0 + $1.length }
        }
        return try await inner.read(ranges)
    }
}

extension DynamicTable.Row {
    /// The row as the oracle writes it: `id` and each cell, references as paths, floats as text.
    func foundationObject(paths: [UInt64: String]) -> Any {
        var object: [String: Any] = ["id": id]
        for (name, cell) in zip(columnNames, cells) { object[name] = cell.foundationObject(paths: paths) }
        return object
    }
}

extension Cell {
    func foundationObject(paths: [UInt64: String]) -> Any {
        switch self {
        case .value(let value): return value.json(path: { paths[$0] }).foundationObject
        case .list(let cells): return cells.map { $0.foundationObject(paths: paths) }
        }
    }
}

extension JSONValue {
    /// The value as `JSONSerialization` objects, a float as its text.
    var foundationObject: Any {
        switch self {
        case .null: return NSNull()
        case .bool(let value): return value
        case .int(let value): return value
        case .uint(let value): return value
        case .float(let text): return text
        case .string(let text): return text
        case .array(let values): return values.map(\.foundationObject)
        case .object(let members): return Dictionary(members.map { ($0.0, $0.1.foundationObject) }) { first, _ in first }
        }
    }
}

/// The numbers of a JSON array (floats as text), flattened.
func flatNumbers(_ value: Any?) -> [Double] {
    if let text = value as? String, let number = Double(text) { return [number] }
    if let number = value as? NSNumber { return [number.doubleValue] }
    if let array = value as? [Any] { return array.flatMap(flatNumbers) }
    return []
}

/// A float the oracle wrote as text.
func oracleDouble(_ value: Any?) -> Double? {
    flatNumbers(value).first
}
