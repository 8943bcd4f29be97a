import Foundation

/// The benchmark recordings: one Neuropixels-like NWB session (Benchmarks/generate_neuropixels.py)
/// written twice, with libver earliest (as pynwb writes by default) and latest.
enum BenchData {
    static let versions = ["earliest", "latest"]

    /// The files by label, generating each one that is absent (a few minutes each).
    static func ensure(in directory: String, python: String) throws -> [(label: String, path: String)] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try versions.map { version in
            let path = "\(directory)/neuropixels_30s\(version == "earliest" ? "" : "_\(version)").nwb"
            if !FileManager.default.fileExists(atPath: path) {
                Progress.say("generating \(path) (libver \(version))")
                let partial = path + ".partial"
                _ = try ChildProcess.measure(
                    [python, "Benchmarks/generate_neuropixels.py", partial, "--libver", version])
                try FileManager.default.moveItem(atPath: partial, toPath: path)
            }
            return (label: "libver \(version)", path: path)
        }
    }
}

/// Progress lines on standard error, so that standard output is the table alone.
enum Progress {
    static func say(_ line: String) {
        FileHandle.standardError.write(Data(("nwbpeek-bench: " + line + "\n").utf8))
    }
}
