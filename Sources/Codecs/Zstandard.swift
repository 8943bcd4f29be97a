import ByteKit
import CZstd

/// The Zstandard filter (filter 32015, HDF5Plugin-Zstandard): the chunk is one or more Zstandard
/// frames. Client data: the compression level, which decoding does not need.
public struct ZstandardCodec: Codec {
    public var filter: KnownFilter { .zstd }

    public init() {}

    public func decode(_ input: Bytes, into output: UnsafeMutableRawBufferPointer) throws -> Int {
        try Self.decompress(input, into: output, filter: filter)
    }

    /// Decompresses whole Zstandard frames into at most `output.count` bytes.
    static func decompress(
        _ input: Bytes, into output: UnsafeMutableRawBufferPointer, filter: KnownFilter
    ) throws -> Int {
        try input.withUnsafeBytes { source in
            // The frame header declares the content size when the writer knew it (the filter always
            // does): refuse before decoding when it cannot fit.
            let declared = ZSTD_getFrameContentSize(source.baseAddress, source.count)
            if declared == ZSTD_CONTENTSIZE_ERROR {
                throw CodecError.corruptStream(filter: filter, reason: "not a Zstandard frame")
            }
            if declared != ZSTD_CONTENTSIZE_UNKNOWN, declared > UInt64(output.count) {
                throw CodecError.outputOverrun(filter: filter, limit: output.count, declared: declared)
            }
            let result = ZSTD_decompress(output.baseAddress, output.count, source.baseAddress, source.count)
            if ZSTD_isError(result) != 0 {
                if ZSTD_getErrorCode(result) == ZSTD_error_dstSize_tooSmall {
                    throw CodecError.outputOverrun(filter: filter, limit: output.count, declared: nil)
                }
                let name = String(cString: ZSTD_getErrorName(result))
                throw CodecError.corruptStream(filter: filter, reason: "zstd: \(name)")
            }
            return result
        }
    }

    /// Decompresses frames that must fill `destination` exactly; used for bitshuffle's blocks.
    static func decompressBlock(
        _ block: Bytes, into destination: UnsafeMutableRawBufferPointer, filter: KnownFilter
    ) throws {
        let decoded = try decompress(block, into: destination, filter: filter)
        guard decoded == destination.count else {
            throw CodecError.sizeMismatch(filter: filter, expected: destination.count, found: decoded)
        }
    }

    /// ZSTD_compressBound.
    public func encodedSize(decodedSize: ByteCountBound) -> ByteCountBound {
        .atMost(Self.compressBound(decodedSize.limit))
    }

    static func compressBound(_ count: Int) -> Int {
        let bound = ZSTD_compressBound(count)
        return ZSTD_isError(bound) != 0 ? Int.max : bound
    }
}
