import ByteKit
import CAec

/// The szip filter (filter 4), after libhdf5's H5Z_filter_szip, decoded by libaec (CCSDS 121.0-B
/// adaptive entropy coding).
///
/// ```text
/// decoded size   4 bytes, little-endian
/// data           an AEC stream
/// ```
///
/// Client data: options mask, pixels per block, bits per pixel, pixels per scanline. libhdf5 calls
/// szip's `SZ_BufftoBuffDecompress`, which libaec provides by translating to its own stream; this
/// codec makes the same translation, so that it can check how much the stream really decoded:
/// - options: most significant byte first (16) and nearest-neighbour preprocessing (32) map to
///   libaec's flags; the others do not affect decoding;
/// - 32- and 64-bit pixels are coded as bytes, the bytes of each pixel in separate planes (the
///   interleaving that shuffle undoes);
/// - a scanline whose pixels are not a whole number of blocks was padded to one by the writer:
///   the padding is decoded, then dropped.
public struct SzipCodec: Codec {
    public var filter: KnownFilter { .szip }

    public let optionsMask: UInt32
    public let pixelsPerBlock: Int
    public let bitsPerPixel: Int
    public let pixelsPerScanline: Int

    /// szlib's option bits that change decoding.
    static let mostSignificantByteFirst: UInt32 = 16
    static let nearestNeighbour: UInt32 = 32

    public init(clientData: [UInt32]) throws {
        guard clientData.count == 4 else {
            throw CodecError.invalidParameters(
                filter: .szip,
                reason: "expected 4 values (options mask, pixels per block, bits per pixel, pixels per scanline); "
                    + "found \(clientData.count)")
        }
        // libaec checks the block size and bits per sample further. libhdf5 writes scanlines of one
        // to 128 blocks (H5Z__set_local_szip, SZ_MAX_BLOCKS_PER_SCANLINE), which bounds the padding
        // decoded to less than the data plus one scanline.
        guard (1...64).contains(clientData[1]), (1...64).contains(clientData[2]),
            clientData[3] >= clientData[1], clientData[3] <= clientData[1] * 128
        else {
            throw CodecError.invalidParameters(
                filter: .szip,
                reason: "expected 1 to 64 pixels per block, 1 to 64 bits per pixel, scanlines of 1 to 128 blocks; "
                    + "found \(clientData)")
        }
        optionsMask = clientData[0]
        pixelsPerBlock = Int(clientData[1])
        bitsPerPixel = Int(clientData[2])
        pixelsPerScanline = Int(clientData[3])
    }

    public func decode(_ input: Bytes, into output: UnsafeMutableRawBufferPointer) throws -> Int {
        var reader = EncodedReader(input, filter: filter)
        let declaredSize = try reader.read(4, what: "the decoded size").littleEndianInteger(at: 0, width: 4) ?? 0
        guard declaredSize <= UInt64(output.count) else {
            throw CodecError.outputOverrun(filter: filter, limit: output.count, declared: declaredSize)
        }
        let decodedSize = Int(declaredSize)
        let interleaved = bitsPerPixel == 32 || bitsPerPixel == 64
        let bitsPerSample = interleaved ? 8 : bitsPerPixel
        let sampleSize = bitsPerSample > 16 ? 4 : bitsPerSample > 8 ? 2 : 1
        let blocksPerScanline = (pixelsPerScanline + pixelsPerBlock - 1) / pixelsPerBlock
        let padded = pixelsPerScanline % pixelsPerBlock != 0
        let wordSize = bitsPerPixel / 8
        guard !interleaved || decodedSize % wordSize == 0 else {
            throw CodecError.corruptStream(
                filter: filter, reason: "\(decodedSize) bytes are not a whole number of \(wordSize)-byte pixels")
        }
        let scanlineBytes = pixelsPerScanline * sampleSize
        let paddedScanlineBytes = blocksPerScanline * pixelsPerBlock * sampleSize
        let scanlines = (decodedSize / sampleSize + pixelsPerScanline - 1) / pixelsPerScanline
        // What the stream decodes to: whole padded scanlines when padded, else the data itself.
        let streamSize = padded ? saturatingProduct(scanlines, paddedScanlineBytes) : decodedSize

        var stream = aec_stream()
        stream.bits_per_sample = UInt32(clamping: bitsPerSample)
        stream.block_size = UInt32(clamping: pixelsPerBlock)
        stream.rsi = UInt32(clamping: blocksPerScanline)
        stream.flags =
            (optionsMask & Self.mostSignificantByteFirst != 0 ? UInt32(AEC_DATA_MSB) : 0)
            | (optionsMask & Self.nearestNeighbour != 0 ? UInt32(AEC_DATA_PREPROCESS) : 0)
        let needsScratch = padded || interleaved
        var scratch = [UInt8](repeating: 0, count: needsScratch ? streamSize : 0)
        let status = try reader.rest.withUnsafeBytes { source in
            try scratch.withUnsafeMutableBytes { scratchBuffer in
                stream.next_in = source.baseAddress?.assumingMemoryBound(to: UInt8.self)
                stream.avail_in = source.count
                let target = needsScratch ? scratchBuffer : output.region(from: 0, count: decodedSize)
                stream.next_out = target.baseAddress?.assumingMemoryBound(to: UInt8.self)
                stream.avail_out = target.count
                let status = aec_buffer_decode(&stream)
                guard status == AEC_OK || status == AEC_DATA_ERROR || status == AEC_STREAM_ERROR else {
                    throw CodecError.invalidParameters(
                        filter: filter,
                        reason: "libaec rejects \(bitsPerPixel) bits per pixel, \(pixelsPerBlock) pixels per block, "
                            + "\(pixelsPerScanline) pixels per scanline (status \(status))")
                }
                return status
            }
        }
        guard status == AEC_OK else {
            throw CodecError.corruptStream(filter: filter, reason: "libaec could not decode (status \(status))")
        }
        // A short stream decodes to fewer bytes: szip's own call would return the rest unset.
        guard stream.total_out == streamSize else {
            throw CodecError.sizeMismatch(filter: filter, expected: streamSize, found: stream.total_out)
        }
        guard needsScratch else { return decodedSize }
        scratch.withUnsafeMutableBytes { buffer in
            guard padded, let base = buffer.baseAddress else { return }
            // Drop each scanline's padding (the regions may overlap: copyMemory moves).
            for line in 1..<max(scanlines, 1) {
                (base + line * scanlineBytes).copyMemory(
                    from: base + line * paddedScanlineBytes, byteCount: scanlineBytes)
            }
        }
        scratch.withUnsafeBytes { buffer in
            guard let source = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self),
                let destination = output.baseAddress?.assumingMemoryBound(to: UInt8.self)
            else { return }
            if interleaved {
                ShuffleCodec.unshuffle(
                    source, into: destination, elementCount: decodedSize / wordSize, elementSize: wordSize)
            } else {
                destination.update(from: source, count: decodedSize)
            }
        }
        return decodedSize
    }

    /// libhdf5 gives szip an output buffer the size of its input, plus the 4-byte size.
    public func encodedSize(decodedSize: ByteCountBound) -> ByteCountBound {
        .atMost(saturatingSum(decodedSize.limit, 4))
    }
}
