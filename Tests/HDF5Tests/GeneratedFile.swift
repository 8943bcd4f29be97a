import Foundation
import Testing

/// The bytes of an HDF5 file that a Python script (h5py) writes at test time: `script` gets the
/// output path as its first argument.
func generatedFile(by script: String) throws -> [UInt8] {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("generated-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("file.h5").path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, path]
    try process.run()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "python3 with h5py and numpy is needed")
    return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}
