import Foundation
import HDF5Format
import Testing

@testable import HDF5

/// `HDF5File.storageSize(of:)` against libhdf5's `H5Dget_storage_size` (through h5py) for every
/// dataset of the conformance files and committed fixtures that have chunked datasets of every
/// index kind.
@Suite struct StorageSizeTests {
    static let paths = [
        "../shared/testdata/jhdf/chunked_v4_datasets.hdf5", "../shared/testdata/jhdf/fixed_array_paged_datasets.hdf5",
        "../shared/testdata/jhdf/implicit_index_datasets.hdf5", "../shared/testdata/jhdf/test_chunked_datasets_earliest.hdf5",
        "../shared/testdata/jhdf/test_compressed_chunked_datasets_latest.hdf5", "TestData/fixtures/layouts_earliest.h5",
        "TestData/fixtures/layouts_latest.h5", "TestData/fixtures/filters_latest.h5",
    ].filter { FileManager.default.fileExists(atPath: $0) }

    /// `path dataset size` for every dataset of `path`, from h5py.
    static let script = """
        import sys, h5py
        with h5py.File(sys.argv[1], 'r') as f:
            f.visititems(lambda name, obj: print(name, obj.id.get_storage_size())
                         if isinstance(obj, h5py.Dataset) else None)
        """

    @Test(arguments: paths)
    func everyDatasetOccupiesWhatLibhdf5Counts(path: String) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script, path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return }  // No python3: nothing to compare with.
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return }  // No h5py.
        let file = try await HDF5File(path: path)
        var compared = 0
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let expected = UInt64(fields[1]) else { continue }
            let (object, _) = try await file.resolve("/" + fields[0])
            #expect(try await file.storageSize(of: object) == expected, "\(path):\(fields[0])")
            compared += 1
        }
        #expect(compared > 0)
    }
}
