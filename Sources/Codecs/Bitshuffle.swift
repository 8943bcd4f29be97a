import ByteKit
import CLZ4

/// The bitshuffle filter (filter 32008, bshuf_h5filter.c), optionally followed by LZ4 or
/// Zstandard compression of each block.
///
/// The elements are cut into blocks of `blockSize` elements (a multiple of 8); a last, shorter
/// block keeps a multiple of 8 elements, and the last `count % 8` elements are stored as they are
/// at the very end. Within a block of `n` elements of `s` bytes, the writer stores `8 × s` rows of
/// `n / 8` bytes: row `8 × b + i` holds bit `i` of byte `b` of every element, element `j` at bit
/// `j % 8` of the row's byte `j / 8`.
///
/// With compression the chunk is framed:
///
/// ```text
/// decoded size       8 bytes, big-endian
/// block size         4 bytes, big-endian, in bytes (0: the default)
/// blocks, each:
///   compressed size  4 bytes, big-endian
///   data             one LZ4 block or Zstandard frame, decoding to the block's bytes
/// leftover           the last count % 8 elements, as they are
/// ```
///
/// Client data: bitshuffle major and minor version, element size, block size in elements
/// (0: the default), compression (2: LZ4, 3: Zstandard, else none), Zstandard level.
public struct BitshuffleCodec: Codec {
    public var filter: KnownFilter { .bitshuffle }

    /// What each block is compressed with after bitshuffling.
    public enum Compression: Sendable, Equatable {
        case none
        case lz4
        case zstd
    }

    public let elementSize: Int
    /// The block size in elements from the client data (already defaulted); compressed chunks
    /// carry their own in the header.
    public let blockSize: Int
    public let compression: Compression

    /// bitshuffle's BSHUF_BLOCKED_MULT: block sizes are multiples of 8 elements.
    static let blockMultiple = 8
    static let headerSize = 12

    /// - Parameter fallbackElementSize: the dataset's element size, used when the client data
    ///   stops before the element size.
    public init(clientData: [UInt32], fallbackElementSize: Int) throws {
        let elementSize = clientData.count > 2 ? Int(clientData[2]) : fallbackElementSize
        guard elementSize > 0 else {
            throw CodecError.invalidParameters(filter: .bitshuffle, reason: "element size 0")
        }
        let configuredBlockSize = clientData.count > 3 ? Int(clientData[3]) : 0
        guard configuredBlockSize % Self.blockMultiple == 0 else {
            throw CodecError.invalidParameters(
                filter: .bitshuffle, reason: "block size \(configuredBlockSize) is not a multiple of 8 elements")
        }
        self.elementSize = elementSize
        self.blockSize = configuredBlockSize > 0 ? configuredBlockSize : Self.defaultBlockSize(elementSize: elementSize)
        switch clientData.count > 4 ? clientData[4] : 0 {
        case 2: compression = .lz4
        case 3: compression = .zstd
        default: compression = .none
        }
    }

    /// bshuf_default_block_size: about 8 KiB of elements, a multiple of 8, at least 128.
    static func defaultBlockSize(elementSize: Int) -> Int {
        let blockSize = (8192 / elementSize) / blockMultiple * blockMultiple
        return max(blockSize, 128)
    }

    public func decode(_ input: Bytes, into output: UnsafeMutableRawBufferPointer) throws -> Int {
        var reader = EncodedReader(input, filter: filter)
        let decodedSize: Int
        var blockSize = self.blockSize
        if compression == .none {
            decodedSize = input.count
        } else {
            let declaredSize = try reader.readBigEndian(width: 8)
            guard declaredSize <= UInt64(output.count) else {
                throw CodecError.outputOverrun(filter: filter, limit: output.count, declared: declaredSize)
            }
            decodedSize = Int(declaredSize)
            let blockBytes = Int(try reader.readBigEndian(width: 4))
            blockSize = blockBytes / elementSize
            if blockSize == 0 { blockSize = Self.defaultBlockSize(elementSize: elementSize) }
            guard blockSize % Self.blockMultiple == 0 else {
                throw CodecError.corruptStream(
                    filter: filter, reason: "block size \(blockSize) elements is not a multiple of 8")
            }
        }
        guard decodedSize <= output.count else {
            throw CodecError.outputOverrun(filter: filter, limit: output.count, declared: UInt64(decodedSize))
        }
        guard decodedSize % elementSize == 0 else {
            throw CodecError.corruptStream(
                filter: filter, reason: "\(decodedSize) bytes are not a whole number of \(elementSize)-byte elements")
        }
        let elementCount = decodedSize / elementSize
        let fullBlocks = elementCount / blockSize
        let trailingBlock = elementCount % blockSize - elementCount % blockSize % Self.blockMultiple

        // Compressed blocks are decoded into one scratch buffer (never larger than the output),
        // then bit-unshuffled into place.
        let scratchCount = compression == .none ? 0 : min(blockSize, elementCount) * elementSize
        var scratch = [UInt8](repeating: 0, count: scratchCount)
        var outputOffset = 0
        for blockIndex in 0...fullBlocks {
            let blockLength = blockIndex < fullBlocks ? blockSize : trailingBlock
            guard blockLength > 0 else { break }
            let blockBytes = blockLength * elementSize
            let destination = output.region(from: outputOffset, count: blockBytes)
            switch compression {
            case .none:
                let block = try reader.read(blockBytes, what: "a bitshuffled block")
                block.withUnsafeBytes { Self.bitUnshuffle($0, into: destination, elementSize: elementSize) }
            case .lz4, .zstd:
                let compressedSize = Int(try reader.readBigEndian(width: 4))
                let block = try reader.read(compressedSize, what: "a compressed block")
                try scratch.withUnsafeMutableBytes { scratchBuffer in
                    let decoded = scratchBuffer.region(from: 0, count: blockBytes)
                    if compression == .lz4 {
                        try LZ4Codec.decompressBlock(block, into: decoded, filter: filter)
                    } else {
                        try ZstandardCodec.decompressBlock(block, into: decoded, filter: filter)
                    }
                    Self.bitUnshuffle(UnsafeRawBufferPointer(decoded), into: destination, elementSize: elementSize)
                }
            }
            outputOffset += blockBytes
        }
        let leftover = try reader.read(decodedSize - outputOffset, what: "the elements after the last block")
        leftover.copy(to: output.region(from: outputOffset, count: leftover.count))
        return decodedSize
    }

    /// Undoes the bit transpose of one block (bshuf_untrans_bit_elem): `source.count` bytes of
    /// `elementSize`-byte elements, a multiple of 8 elements.
    static func bitUnshuffle(
        _ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer, elementSize: Int
    ) {
        guard let sourceBase = source.baseAddress, let destinationBase = destination.baseAddress else { return }
        let input = sourceBase.assumingMemoryBound(to: UInt8.self)
        let output = destinationBase.assumingMemoryBound(to: UInt8.self)
        let rowBytes = source.count / elementSize / 8
        for byteIndex in 0..<elementSize {
            let rows = input + byteIndex * 8 * rowBytes
            for group in 0..<rowBytes {
                // Byte i of `bits` is row 8 × byteIndex + i: bit i of this byte of elements 8 × group ..< + 8.
                var bits: UInt64 = 0
                for bit in 0..<8 {
                    bits |= UInt64(rows[bit * rowBytes + group]) << (8 * bit)
                }
                bits = transpose8x8(bits)
                let target = output + group * 8 * elementSize + byteIndex
                for element in 0..<8 {
                    target[element * elementSize] = UInt8(truncatingIfNeeded: bits >> (8 * element))
                }
            }
        }
    }

    /// Transposes an 8 × 8 bit matrix held in a word, byte `r` being row `r` (bitshuffle's
    /// TRANS_BIT_8X8).
    static func transpose8x8(_ word: UInt64) -> UInt64 {
        var x = word
        var t = (x ^ (x >> 7)) & 0x00AA_00AA_00AA_00AA
        x = x ^ t ^ (t << 7)
        t = (x ^ (x >> 14)) & 0x0000_CCCC_0000_CCCC
        x = x ^ t ^ (t << 14)
        t = (x ^ (x >> 28)) & 0x0000_0000_F0F0_F0F0
        x = x ^ t ^ (t << 28)
        return x
    }

    public func encodedSize(decodedSize: ByteCountBound) -> ByteCountBound {
        let count = decodedSize.limit
        let blockBytes = saturatingProduct(blockSize, elementSize)
        let blocks = count / max(blockBytes, 1) + 1
        switch compression {
        case .none:
            return decodedSize
        case .lz4:
            let perBlock = Int(LZ4_compressBound(Int32(clamping: blockBytes))) + 4
            return .atMost(saturatingSum(Self.headerSize, saturatingProduct(blocks, perBlock), 8 * elementSize))
        case .zstd:
            let perBlock = saturatingSum(ZstandardCodec.compressBound(blockBytes), 4)
            return .atMost(saturatingSum(Self.headerSize, saturatingProduct(blocks, perBlock), 8 * elementSize))
        }
    }
}
