import ArrayEngine
import HDF5
import NWB

/// nwbpeek as a library, timed in the bench's own process as the Python peers are in theirs:
/// opening the file (mapped) and the row's work, none of a process's start-up. Each run opens
/// the file afresh; a run's result is checked for its size, the process's output being the one
/// compared with h5py's.
enum LibraryRuns {
    /// Every object of the file with every attribute decoded, as `ls --recursive` lists them.
    static func listing(_ path: String, runs: Int) async throws -> Figures {
        try await measure(runs: runs) {
            let entries = try await HDF5File(path: path).walk(from: "/", recursive: true)
            try expect(!entries.isEmpty, "the listing of \(path) is empty")
        }
    }

    /// `selection` of `dataset` read into memory.
    static func read(_ path: String, dataset: String, selection: String, expectedBytes: Int, runs: Int) async throws -> Figures {
        let parsed = try Selection.parse(selection)
        return try await measure(runs: runs) {
            let file = try await HDF5File(path: path)
            let slice = try await file.read(try await file.resolve(dataset).object, selection: parsed)
            try expect(slice.bytes.count == expectedBytes, "read \(slice.bytes.count) bytes of \(dataset), not \(expectedBytes)")
        }
    }

    /// One unit's spike times through the NWB API, as `table --rows` reads them.
    static func spikeTimes(_ path: String, unit: Int, runs: Int) async throws -> Figures {
        try await measure(runs: runs) {
            let nwb = try await NWBFile(try await HDF5File(path: path))
            guard let units = try await nwb.units() else { throw BenchError.missing("\(path) has no units table") }
            try expect(!(try await units.spikeTimes(unit: unit)).isEmpty, "unit \(unit) has no spike times")
        }
    }

    private static func measure(runs: Int, _ body: () async throws -> Void) async throws -> Figures {
        Figures(seconds: try await medianSeconds(runs: runs, body))
    }

    /// The median wall time of `runs` runs of `body` in this process.
    static func medianSeconds(runs: Int, _ body: () async throws -> Void) async throws -> Double {
        let clock = ContinuousClock()
        var seconds: [Double] = []
        for _ in 0..<runs {
            let started = clock.now
            try await body()
            seconds.append((clock.now - started).seconds)
        }
        return BenchTable.median(seconds)
    }

    private static func expect(_ condition: Bool, _ failure: @autoclosure () -> String) throws {
        guard condition else { throw BenchError.wrongAnswer(row: failure(), reader: "nwbpeek library") }
    }
}
