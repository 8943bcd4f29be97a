import ByteKit
import CAec

/// The szip filter (filter 4), decoded by libaec through the szlib-compatible call libhdf5's
/// H5Z_filter_szip makes (`SZ_BufftoBuffDecompress`), which also undoes the scanline padding and
/// the byte interleaving of 32- and 64-bit pixels that szip applies.
///
/// ```text
/// decoded size   4 bytes, little-endian
/// data           an szip (CCSDS 121.0-B) stream
/// ```
///
/// Client data: options mask, pixels per block, bits per pixel, pixels per scanline (as libhdf5
/// computed them for the dataset).
public struct SzipCodec: Codec {
    public var filter: KnownFilter { .szip }

    public let optionsMask: Int32
    public let pixelsPerBlock: Int32
    public let bitsPerPixel: Int32
    public let pixelsPerScanline: Int32

    public init(clientData: [UInt32]) throws {
        guard clientData.count == 4 else {
            throw CodecError.invalidParameters(
                filter: .szip,
                reason: "expected 4 values (options mask, pixels per block, bits per pixel, pixels per scanline); "
                    + "found \(clientData.count)")
        }
        let values = clientData.map { Int32(truncatingIfNeeded: $0) }
        // libaec divides by the block size and the scanline; it checks the rest itself.
        guard values[1] > 0, values[2] > 0, values[3] > 0 else {
            throw CodecError.invalidParameters(
                filter: .szip, reason: "pixels per block, bits per pixel and pixels per scanline must be positive; "
                    + "found \(clientData)")
        }
        optionsMask = values[0]
        pixelsPerBlock = values[1]
        bitsPerPixel = values[2]
        pixelsPerScanline = values[3]
    }

    public func decode(_ input: Bytes, into output: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let declaredSize = input.littleEndianInteger(at: 0, width: 4), let stream = input.slice(from: 4, count: input.count - 4) else {
            throw CodecError.corruptStream(filter: filter, reason: "\(input.count) bytes cannot hold the 4-byte size")
        }
        guard declaredSize <= UInt64(output.count) else {
            throw CodecError.outputOverrun(filter: filter, limit: output.count, declared: declaredSize)
        }
        var parameters = SZ_com_t(
            options_mask: optionsMask, bits_per_pixel: bitsPerPixel, pixels_per_block: pixelsPerBlock,
            pixels_per_scanline: pixelsPerScanline)
        var decodedSize = Int(declaredSize)
        let status = stream.withUnsafeBytes { source in
            SZ_BufftoBuffDecompress(output.baseAddress, &decodedSize, source.baseAddress, source.count, &parameters)
        }
        switch status {
        case SZ_OK:
            break
        case AEC_CONF_ERROR:
            throw CodecError.invalidParameters(
                filter: filter, reason: "libaec rejects options \(optionsMask), \(pixelsPerBlock) pixels per block, "
                    + "\(bitsPerPixel) bits per pixel, \(pixelsPerScanline) pixels per scanline")
        default:
            throw CodecError.corruptStream(filter: filter, reason: "libaec could not decode (status \(status))")
        }
        guard decodedSize == Int(declaredSize) else {
            throw CodecError.sizeMismatch(filter: filter, expected: Int(declaredSize), found: decodedSize)
        }
        return decodedSize
    }

    /// libhdf5 gives szip an output buffer the size of its input, plus the 4-byte size.
    public func encodedSize(decodedSize: ByteCountBound) -> ByteCountBound {
        .atMost(saturatingSum(decodedSize.limit, 4))
    }
}
