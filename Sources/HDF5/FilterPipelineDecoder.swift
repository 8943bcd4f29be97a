import ArrayEngine
import ByteKit
import Codecs
import HDF5Format

/// Decodes a dataset's chunks through its filter pipeline (the `Codecs` module), for the
/// array engine.
struct FilterPipelineDecoder: ChunkDecoder {
    let pipeline: CodecPipeline

    init(filters: [FilterPipelineMessage.Filter], elementSize: Int, chunkByteCount: Int) {
        pipeline = CodecPipeline(
            filters: filters.map { (id: $0.id, clientData: $0.clientData, isOptional: $0.isOptional) },
            elementSize: elementSize, chunkByteCount: chunkByteCount)
    }

    var isIdentity: Bool { false }

    func decode(_ stored: Bytes, filterMask: UInt32, chunkByteCount: Int, elementSize: Int) throws -> DecodedChunk {
        let (bytes, isShuffled) = try pipeline.decodeLeavingShuffle(stored, filterMask: filterMask)
        return isShuffled && elementSize == pipeline.elementSize ? .shuffled(bytes) : .elements(bytes)
    }
}
