import ByteKit
import Foundation
import HDF5Format

/// Shared helpers for the group and index structure tests: conformance files, h5py answers,
/// signature scans and the superblock fields those tests need (they run without the object
/// header and superblock decoders).
enum StructureFixtures {
    /// The shared jhdf conformance file `name`, or nil when the test data is absent.
    static func jhdf(_ name: String) -> [UInt8]? {
        FileManager.default.contents(atPath: "../shared/testdata/jhdf/" + name).map { [UInt8]($0) }
    }

    /// The absolute path of a conformance file, for h5py.
    static func jhdfPath(_ name: String) -> String {
        URL(fileURLWithPath: "../shared/testdata/jhdf/" + name).standardizedFileURL.path
    }

    /// A view of a whole file held in memory.
    static func view(_ bytes: [UInt8]) -> FileView { FileView(wholeFile: Bytes(bytes)) }

    /// Runs `decode` the way the planner does: over a view that starts empty, adding exactly the
    /// range each `BytesNeeded` asks for. Returns the result and the number of fetches.
    static func decodeIncrementally<T>(_ bytes: [UInt8], _ decode: (FileView) throws -> T) throws -> (T, Int) {
        var view = FileView(fileSize: UInt64(bytes.count))
        for fetches in 0..<10_000 {
            do {
                return (try decode(view), fetches)
            } catch let needed as BytesNeeded {
                for range in needed.ranges {
                    let start = Int(range.offset)
                    view.insert(Bytes(Array(bytes[start..<start + Int(range.length)])), at: range.offset)
                }
            }
        }
        throw FixtureError.tooManyFetches
    }

    /// Runs a python3 script (h5py and numpy available) and decodes its standard output as JSON.
    static func python<T: Decodable>(_ script: String, as type: T.Type = T.self) throws -> T {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError.pythonFailed(status: process.terminationStatus)
        }
        return try JSONDecoder().decode(T.self, from: data)
    }

    /// h5py's member names of the group at `group` in the conformance file `name`.
    static func h5pyMemberNames(_ name: String, group: String) throws -> [String] {
        try python(
            """
            import h5py, json
            f = h5py.File(\(quoted(jhdfPath(name))), 'r')
            print(json.dumps(list(f[\(quoted(group))].keys())))
            """)
    }

    /// Writes a file with h5py: `script` runs with `path` bound to a fresh temporary file name.
    /// Returns the file's bytes.
    static func generate(_ script: String) throws -> [UInt8] {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("nwbpeek-structures-\(UUID().uuidString).h5").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let _: Int = try python("import h5py, numpy as np, json\npath = \(quoted(path))\n\(script)\nprint(0)")
        guard let data = FileManager.default.contents(atPath: path) else { throw FixtureError.missingOutput }
        return [UInt8](data)
    }

    /// A Python string literal for `text`.
    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    /// Offsets of every occurrence of a 4-byte signature.
    static func signatures(_ signature: String, in bytes: [UInt8]) -> [UInt64] {
        let pattern = Array(signature.utf8)
        guard bytes.count >= pattern.count else { return [] }
        return (0...(bytes.count - pattern.count)).filter { start in
            bytes[start] == pattern[0] && Array(bytes[start..<start + pattern.count]) == pattern
        }.map { UInt64($0) }
    }

    /// The sizes of offsets and lengths of a file whose superblock (any version) is at 0.
    static func context(_ bytes: [UInt8]) -> FormatContext {
        // Versions 0 and 1 keep the sizes at bytes 13 and 14, versions 2 and 3 at 9 and 10.
        bytes[8] < 2
            ? FormatContext(offsetSize: Int(bytes[13]), lengthSize: Int(bytes[14]), baseAddress: 0)
            : FormatContext(offsetSize: Int(bytes[9]), lengthSize: Int(bytes[10]), baseAddress: 0)
    }

    /// The root group's symbol table entry of a superblock version 0 or 1 file, the superblock
    /// at 0: after 24 bytes (28 for version 1) come four addresses, then the entry.
    static func rootEntry(_ bytes: [UInt8]) throws -> SymbolTableEntry {
        let context = context(bytes)
        let start = (bytes[8] == 0 ? 24 : 28) + 4 * context.offsetSize
        var cursor = try view(bytes).cursor(
            at: UInt64(start), length: UInt64(SymbolTableEntry.size(context)), structure: "superblock")
        return try SymbolTableEntry(parsing: &cursor, context: context)
    }

    enum FixtureError: Error {
        case pythonFailed(status: Int32)
        case missingOutput
        case tooManyFetches
    }
}
