import ArrayEngine
import ByteKit
import HDF5Format

/// Decodes chunks through a dataset's filter pipeline, in reverse order of the filters.
struct FilterPipelineDecoder: ChunkDecoder {
    let filters: [FilterPipelineMessage.Filter]
    let elementSize: Int

    init(filters: [FilterPipelineMessage.Filter], elementSize: Int) throws {
        self.filters = filters
        self.elementSize = elementSize
    }

    var isIdentity: Bool { false }

    func decode(_ stored: Bytes, filterMask: UInt32, chunkByteCount: Int) throws -> Bytes {
        throw HDF5Error.unsupported(
            feature: "filters " + filters.map(\.displayName).joined(separator: "+"), structure: "chunk", offset: 0)
    }
}
