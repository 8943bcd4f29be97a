import Foundation

/// The long-lived Python session of `Benchmarks/peers.py`: the peers (h5py, h5py over remfile and
/// fsspec, kerchunk + zarr) timed in-process, the SeaweedFS server and latency proxy of the remote
/// rows, and h5py's values to check nwbpeek's outputs against. One JSON object per line each way.
final class PeerSession {
    private let process = Process()
    private let requests = Pipe()
    private let answers = Pipe()
    private var pending = Data()

    /// Starts `python3 SCRIPT`; its standard error is ours (SeaweedFS and peer warnings).
    init(python: String, script: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script]
        process.standardInput = requests
        process.standardOutput = answers
        try process.run()
    }

    deinit {
        try? requests.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// Sends one request and waits for its answer; an answer with "error" throws.
    func send(_ request: [String: Any]) throws -> [String: Any] {
        let operation = request["op"] as? String ?? "?"
        var line = try JSONSerialization.data(withJSONObject: request)
        line.append(UInt8(ascii: "\n"))
        try requests.fileHandleForWriting.write(contentsOf: line)
        guard let answerLine = readLine() else {
            throw BenchError.peerFailed(operation: operation, reason: "the session ended (see its standard error above)")
        }
        guard let answer = try JSONSerialization.jsonObject(with: answerLine) as? [String: Any] else {
            throw BenchError.peerFailed(operation: operation, reason: "an answer that is not a JSON object")
        }
        if let error = answer["error"] as? String { throw BenchError.peerFailed(operation: operation, reason: error) }
        return answer
    }

    /// Seconds of one in-process run of a peer.
    func run(_ request: [String: Any]) throws -> Double {
        var request = request
        request["op"] = "run"
        guard let seconds = try send(request)["seconds"] as? Double else {
            throw BenchError.peerFailed(operation: "run", reason: "no seconds in the answer")
        }
        return seconds
    }

    /// Whether nwbpeek's output equals h5py's values (see `check` in peers.py).
    func check(_ request: [String: Any]) throws -> Bool {
        var request = request
        request["op"] = "check"
        return try send(request)["equal"] as? Bool ?? false
    }

    private func readLine() -> Data? {
        let handle = answers.fileHandleForReading
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[pending.startIndex..<newline]
                pending = Data(pending[pending.index(after: newline)...])
                return Data(line)
            }
            let more = handle.availableData
            if more.isEmpty { return nil }
            pending.append(more)
        }
    }
}
