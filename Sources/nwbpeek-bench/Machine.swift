import Foundation

/// The lines that say where and with what a table was measured.
enum Machine {
    /// The 1-minute load average (other work on the machine skews every figure).
    static func loadAverage() -> String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").first.map(String.init) ?? "?"
    }

    static func describe(versions: [String: Any], loadBefore: String, loadAfter: String) -> String {
        let cpuInfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuInfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" }
            ?? "?"
        let version = { (name: String) in versions[name] as? String ?? "?" }
        let h5dump = ChildProcess.firstLine(of: ["h5dump", "--version"]) ?? "h5dump ?"
        return """
            Measured \(ISO8601DateFormatter().string(from: Date())) on \(ProcessInfo.processInfo.activeProcessorCount) \
            cores (\(model)), load average \(loadBefore) before and \(loadAfter) after.
            Peers: \(h5dump); Python \(version("python")), h5py \(version("h5py")) (HDF5 \(version("hdf5"))), \
            remfile \(version("remfile")), fsspec \(version("fsspec")), kerchunk \(version("kerchunk")), \
            zarr \(version("zarr")).
            """
    }
}
