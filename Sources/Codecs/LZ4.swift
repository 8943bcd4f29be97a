import ByteKit
import CLZ4

/// The HDF5 LZ4 filter (filter 32004, H5Zlz4.c): the chunk is cut into blocks, each compressed on
/// its own with LZ4's block format.
///
/// ```text
/// decoded size        8 bytes, big-endian
/// block size          4 bytes, big-endian (the decoded size of every block but the last)
/// blocks, each:
///   compressed size   4 bytes, big-endian
///   data              compressed size bytes; stored as they are when equal to the block's size
/// ```
///
/// Client data: the block size the writer used (0 or absent: 1 GiB).
public struct LZ4Codec: Codec {
    public var filter: KnownFilter { .lz4 }

    /// The writer's block size, used only to bound the encoded size.
    public let blockSize: Int

    /// The writer's default block size.
    static let defaultBlockSize = 1 << 30

    public init(clientData: [UInt32]) {
        let configured = clientData.first.map(Int.init) ?? 0
        blockSize = configured > 0 ? configured : Self.defaultBlockSize
    }

    public func decode(_ input: Bytes, into output: UnsafeMutableRawBufferPointer) throws -> Int {
        var reader = EncodedReader(input, filter: filter)
        let declaredSize = try reader.readBigEndian(width: 8)
        var blockSize = try reader.readBigEndian(width: 4)
        guard declaredSize <= UInt64(output.count) else {
            throw CodecError.outputOverrun(filter: filter, limit: output.count, declared: declaredSize)
        }
        let decodedSize = Int(declaredSize)
        blockSize = min(blockSize, declaredSize)
        guard blockSize > 0 || decodedSize == 0 else {
            throw CodecError.corruptStream(filter: filter, reason: "block size 0 for \(decodedSize) decoded bytes")
        }
        var decoded = 0
        while decoded < decodedSize {
            let thisBlockSize = min(Int(blockSize), decodedSize - decoded)
            let compressedSize = Int(try reader.readBigEndian(width: 4))
            let block = try reader.read(compressedSize, what: "an LZ4 block")
            let destination = output.region(from: decoded, count: thisBlockSize)
            if compressedSize == thisBlockSize {
                block.copy(to: destination)
            } else {
                try Self.decompressBlock(block, into: destination, filter: filter)
            }
            decoded += thisBlockSize
        }
        return decodedSize
    }

    /// Decompresses one LZ4 block that must fill `destination` exactly; shared with bitshuffle.
    static func decompressBlock(
        _ block: Bytes, into destination: UnsafeMutableRawBufferPointer, filter: KnownFilter
    ) throws {
        guard block.count <= Int(Int32.max), destination.count <= Int(Int32.max) else {
            throw CodecError.corruptStream(filter: filter, reason: "an LZ4 block larger than 2 GiB")
        }
        let result = block.withUnsafeBytes { source in
            LZ4_decompress_safe(
                source.baseAddress?.assumingMemoryBound(to: CChar.self),
                destination.baseAddress?.assumingMemoryBound(to: CChar.self),
                Int32(source.count), Int32(destination.count))
        }
        guard result >= 0 else {
            throw CodecError.corruptStream(filter: filter, reason: "invalid LZ4 block of \(block.count) bytes")
        }
        guard Int(result) == destination.count else {
            throw CodecError.sizeMismatch(filter: filter, expected: destination.count, found: Int(result))
        }
    }

    /// The header, plus per block its size field and LZ4's worst case (LZ4_COMPRESSBOUND).
    public func encodedSize(decodedSize: ByteCountBound) -> ByteCountBound {
        let count = decodedSize.limit
        let blocks = count / blockSize + 1
        return .atMost(saturatingSum(12, count, count / 255, saturatingProduct(blocks, 20)))
    }
}
