import ByteKit
import CBlosc

/// libblosc, loaded (dlopen) by the first Blosc chunk decoded: with it comes Snappy, which no other
/// command needs. Called through the wrappers of `CBlosc/shim.h`.
private let libblosc = RuntimeLibrary.load(
    ["libblosc.so.1", "libblosc.so"], into: nwbpeek_blosc_functions(),
    symbols: [
        ("blosc_cbuffer_sizes", \.cbuffer_sizes), ("blosc_cbuffer_validate", \.cbuffer_validate),
        ("blosc_decompress_ctx", \.decompress_ctx),
    ]
)
.mapError { CodecError.libraryUnavailable(filter: .blosc, reason: $0.describing("libblosc")) }

/// PyTables' Blosc filter (filter 32001, hdf5-blosc): the chunk is one Blosc (version 1) buffer,
/// whose 16-byte header declares its decoded and compressed sizes; the inner codec (BloscLZ, LZ4,
/// Zstandard, zlib, Snappy) and shuffle or bitshuffle are recorded in the header too.
///
/// Client data: filter revision, Blosc version, element size, chunk size, compression level,
/// shuffle, compressor; decoding needs none of them.
public struct BloscCodec: Codec {
    public var filter: KnownFilter { .blosc }

    /// BLOSC_MIN_HEADER_LENGTH, which is also BLOSC_MAX_OVERHEAD.
    static let headerSize = 16

    public init() {}

    public func decode(_ input: Bytes, into output: UnsafeMutableRawBufferPointer) throws -> Int {
        guard input.count >= Self.headerSize else {
            throw CodecError.corruptStream(filter: filter, reason: "\(input.count) bytes, less than a Blosc header")
        }
        let blosc = try libblosc.get().functions
        return try input.withUnsafeBytes { source in
            var decodedSize = 0
            var compressedSize = 0
            var blockSize = 0
            nwbpeek_blosc_cbuffer_sizes(blosc.cbuffer_sizes, source.baseAddress, &decodedSize, &compressedSize, &blockSize)
            // Blosc trusts its header; check both sizes before it reads or writes a byte. Its
            // fields are signed 32-bit: one of 2^31 or more comes back negative (a size_t of
            // 2^64 - 2^31), which libblosc's own validation accepts and then reads past the input.
            guard compressedSize >= Self.headerSize, compressedSize <= source.count, decodedSize >= 0,
                nwbpeek_blosc_cbuffer_validate(blosc.cbuffer_validate, source.baseAddress, compressedSize, &decodedSize) == 0
            else {
                throw CodecError.corruptStream(
                    filter: filter,
                    reason: "the header declares \(compressedSize) compressed bytes; \(source.count) are stored")
            }
            guard decodedSize <= output.count else {
                throw CodecError.outputOverrun(filter: filter, limit: output.count, declared: UInt64(decodedSize))
            }
            let result = nwbpeek_blosc_decompress_ctx(blosc.decompress_ctx, source.baseAddress, output.baseAddress, output.count, 1)
            guard result >= 0 else {
                throw CodecError.corruptStream(filter: filter, reason: "Blosc could not decompress (status \(result))")
            }
            return Int(result)
        }
    }

    public func encodedSize(decodedSize: ByteCountBound) -> ByteCountBound {
        .atMost(saturatingSum(decodedSize.limit, Self.headerSize))
    }
}
