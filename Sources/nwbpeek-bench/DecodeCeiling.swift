import ByteKit
import ByteSources
import Codecs
import HDF5

/// The full read's ceiling: the time to decode every chunk of a dataset through its filter
/// pipeline (inflate + unshuffle for the benchmark series, with the codecs `cat` uses) on one
/// core, from memory, into one reused buffer. No read can beat this divided by the cores.
enum DecodeCeiling {
    struct Measurement {
        var secondsOnOneCore: Double
        var outputBytes: Int
    }

    static func measure(file: String, dataset: String, runs: Int) async throws -> Measurement {
        let source = try MappedFileSource(path: file)
        let hdf5 = try await HDF5File(source: source)
        let object = try await hdf5.resolve(dataset).object
        guard let chunkShape = object.chunkShape, let elementSize = object.datatype.map({ Int($0.size) }) else {
            throw BenchError.missing("\(dataset) is not a chunked dataset")
        }
        let chunkByteCount = chunkShape.reduce(elementSize) { $0 * Int($1) }
        let pipeline = CodecPipeline(
            filters: object.filters.map { (id: $0.id, clientData: $0.clientData, isOptional: $0.isOptional) },
            elementSize: elementSize, chunkByteCount: chunkByteCount)
        let records = try await hdf5.chunkRecords(of: object)
        let chunks = try await source.read(records.map { ByteRange(offset: $0.address, length: UInt64($0.size)) })
        var buffer = [UInt8](repeating: 0, count: chunkByteCount)
        let seconds = try await LibraryRuns.medianSeconds(runs: runs) {
            for (record, chunk) in zip(records, chunks) {
                try buffer.withUnsafeMutableBytes { try pipeline.decode(chunk, filterMask: record.filterMask, into: $0) }
            }
        }
        return Measurement(secondsOnOneCore: seconds, outputBytes: records.count * chunkByteCount)
    }
}
