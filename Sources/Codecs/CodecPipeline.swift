import ByteKit

/// Decodes stored chunks through a dataset's filter pipeline (HDF5 File Format Specification 4.0,
/// IV.A.2.l, Data Storage - Filter Pipeline Message): the filters were applied in order when the
/// chunk was written, so reading undoes them in reverse.
///
/// Bit `i` of a chunk's filter mask set means filter `i` was skipped for that chunk (an optional
/// filter that failed when writing). A filter without a decoder here fails only the chunks that it
/// filtered, like libhdf5 with a missing plugin.
///
/// Sizes: the last stage decoded (the first filter) must produce exactly `chunkByteCount` bytes.
/// Every earlier stage writes into a buffer bounded by what the next stage can consume
/// (`Codec.encodedSize(decodedSize:)`), so no stage allocates more than the chunk needs plus
/// its filters' worst-case overheads, whatever sizes the stored bytes declare.
public struct CodecPipeline: Sendable {
    /// One filter of the pipeline, as the filter pipeline message describes it.
    public struct Stage: Sendable {
        public let id: UInt16
        public let clientData: [UInt32]
        public let isOptional: Bool
        /// The decoder, or why there is none.
        let codec: Result<any Codec, CodecError>
    }

    /// The filters in the order they were applied when writing.
    public let stages: [Stage]
    /// The size of a dataset element in bytes.
    public let elementSize: Int
    /// The size of a decoded chunk in bytes.
    public let chunkByteCount: Int

    public init(filters: [(id: UInt16, clientData: [UInt32], isOptional: Bool)], elementSize: Int, chunkByteCount: Int) {
        self.elementSize = elementSize
        self.chunkByteCount = chunkByteCount
        stages = filters.map { filter in
            Stage(
                id: filter.id, clientData: filter.clientData, isOptional: filter.isOptional,
                codec: Result { try Self.makeCodec(id: filter.id, clientData: filter.clientData, elementSize: elementSize) }
                    .mapError { $0 as? CodecError ?? .unsupportedFilter(id: filter.id) })
        }
    }

    /// The decoder for one filter, built from its client data.
    public static func makeCodec(id: UInt16, clientData: [UInt32], elementSize: Int) throws -> any Codec {
        guard let filter = KnownFilter(rawValue: id) else { throw CodecError.unsupportedFilter(id: id) }
        switch filter {
        case .deflate: return DeflateCodec()
        case .shuffle: return try ShuffleCodec(clientData: clientData, fallbackElementSize: elementSize)
        case .fletcher32: return Fletcher32Codec()
        case .szip: return try SzipCodec(clientData: clientData)
        case .nbit: return try NBitCodec(clientData: clientData)
        case .scaleOffset: return try ScaleOffsetCodec(clientData: clientData)
        case .lzf: return LZFCodec()
        case .blosc: return BloscCodec()
        case .lz4: return LZ4Codec(clientData: clientData)
        case .bitshuffle: return try BitshuffleCodec(clientData: clientData, fallbackElementSize: elementSize)
        case .zstd: return ZstandardCodec()
        }
    }

    /// Decodes one stored chunk into a new buffer of exactly `chunkByteCount` bytes.
    public func decode(_ stored: Bytes, filterMask: UInt32) throws -> Bytes {
        let plan = try stagesToUndo(filterMask: filterMask)
        var current = stored
        for (codec, decodedSize) in plan {
            current = try codec.decode(current, decodedSize: decodedSize)
        }
        if plan.isEmpty { try checkUnfiltered(stored) }
        return current
    }

    /// Decodes one stored chunk like `decode(_:filterMask:)`, but leaves a byte shuffle of the
    /// dataset's elements, when it is the last filter to undo, to the caller: `isShuffled` then
    /// says that the `chunkByteCount` bytes are in the shuffle filter's order (byte `b` of element
    /// `i` at `b * elements + i`). A reader that copies parts of the chunk to an output
    /// interleaves them as it copies, and writes each byte once rather than twice.
    public func decodeLeavingShuffle(_ stored: Bytes, filterMask: UInt32) throws -> (bytes: Bytes, isShuffled: Bool) {
        let plan = try stagesToUndo(filterMask: filterMask)
        guard let (last, _) = plan.last, let shuffle = last as? ShuffleCodec, shuffle.elementSize == elementSize,
            elementSize > 1, chunkByteCount / elementSize > 1
        else { return (try decode(stored, filterMask: filterMask), false) }
        var current = stored
        for (codec, decodedSize) in plan.dropLast() {
            current = try codec.decode(current, decodedSize: decodedSize)
        }
        // Shuffling keeps the size: what it was given is the chunk's size.
        try ByteCountBound.exactly(chunkByteCount).check(current.count, filter: .shuffle)
        return (current, true)
    }

    /// Decodes one stored chunk into `destination`, which must hold exactly `chunkByteCount` bytes:
    /// the last stage writes there directly.
    public func decode(_ stored: Bytes, filterMask: UInt32, into destination: UnsafeMutableRawBufferPointer) throws {
        precondition(
            destination.count == chunkByteCount,
            "the destination holds \(destination.count) bytes, the chunk \(chunkByteCount)")
        let plan = try stagesToUndo(filterMask: filterMask)
        guard let (lastCodec, _) = plan.last else {
            try checkUnfiltered(stored)
            stored.copy(to: destination)
            return
        }
        var current = stored
        for (codec, decodedSize) in plan.dropLast() {
            current = try codec.decode(current, decodedSize: decodedSize)
        }
        let written = try lastCodec.decode(current, into: destination)
        try ByteCountBound.exactly(chunkByteCount).check(written, filter: lastCodec.filter)
    }

    /// A chunk that no filter touched (every filter skipped, or none in the pipeline) is the chunk.
    private func checkUnfiltered(_ stored: Bytes) throws {
        guard stored.count == chunkByteCount else {
            throw CodecError.storedSizeMismatch(expected: chunkByteCount, found: stored.count)
        }
    }

    /// The codecs to run, in reading order, each with the size its output must have.
    private func stagesToUndo(filterMask: UInt32) throws -> [(codec: any Codec, decodedSize: ByteCountBound)] {
        var plan: [(codec: any Codec, decodedSize: ByteCountBound)] = []
        // The first filter applied is the last undone: its output is the chunk.
        var decodedSize = ByteCountBound.exactly(chunkByteCount)
        for (index, stage) in stages.enumerated() {
            if index < 32, filterMask & (1 << index) != 0 { continue }
            let codec = try stage.codec.get()
            plan.append((codec, decodedSize))
            decodedSize = codec.encodedSize(decodedSize: decodedSize)
        }
        return plan.reversed()
    }
}
