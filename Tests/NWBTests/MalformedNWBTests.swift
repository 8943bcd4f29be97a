import Foundation
import NWB
import Testing

/// NWB structures that break the schema's rules give typed errors naming the path, not traps
/// or hangs. Each case is a copy of a fixture changed with h5py at test time.
@Suite struct MalformedNWBTests {
    /// Copies `ecephys_latest.nwb` to a temporary file and runs `script` on it with h5py (the
    /// file is `f`, opened read-write).
    static func changedCopy(_ script: String) throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("nwbpeek-malformed-\(UUID().uuidString).nwb").path
        try FileManager.default.copyItem(atPath: "TestData/fixtures/ecephys_latest.nwb", toPath: path)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import h5py, numpy as np, sys\nwith h5py.File(sys.argv[1], 'r+') as f:\n    " + script, path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw OracleFailure(message: "h5py could not change \(path)") }
        return path
    }

    @Test func anIndexPastItsDataIsInvalid() async throws {
        let path = try Self.changedCopy("f['units/spike_times_index'][2] = 250")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let units = try #require(try await NWBFile.open(path: path).units())
        #expect(try await units.spikeTimes(unit: 1).count == 7)
        await #expect { try await units.spikeTimes(unit: 2) } throws: { error in
            guard case NWBError.invalid(let where_, _) = error else { return false }
            return where_ == "/units/spike_times_index"
        }
    }

    @Test func decreasingOffsetsAreInvalid() async throws {
        let path = try Self.changedCopy("f['units/spike_times_index'][3] = 1")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let units = try #require(try await NWBFile.open(path: path).units())
        await #expect(throws: NWBError.self) { try await units.cells("spike_times") }
    }

    @Test func anIndexTargetingItselfEnds() async throws {
        let path = try Self.changedCopy(
            "f['units/spike_times_index'].attrs['target'] = f['units/spike_times_index'].ref\n    "
                + "f['units'].attrs['colnames'] = np.array(['spike_times_index'], dtype=object)")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let units = try #require(try await NWBFile.open(path: path).units())
        // The chain of indexes stops where it comes back: the column is read as plain values.
        #expect(try units.column("spike_times_index").indexes.isEmpty)
        #expect(try await units.cells("spike_times_index").count == units.rowCount)
    }

    @Test func aColumnMissingFromTheGroupIsAMissingField() async throws {
        let path = try Self.changedCopy("f['intervals/trials'].attrs['colnames'] = np.array(['start_time', 'mood'], dtype=object)")
        defer { try? FileManager.default.removeItem(atPath: path) }
        await #expect(throws: NWBError.missingField(path: "/intervals/trials", field: "column mood")) {
            try await NWBFile.open(path: path).trials()
        }
    }

    @Test func aSeriesWithoutRateIsAMissingField() async throws {
        let path = try Self.changedCopy("del f['acquisition/raw/starting_time'].attrs['rate']")
        defer { try? FileManager.default.removeItem(atPath: path) }
        await #expect(throws: NWBError.missingField(path: "/acquisition/raw/starting_time", field: "rate attribute")) {
            try await NWBFile.open(path: path).timeSeries(at: "/acquisition/raw")
        }
    }
}
