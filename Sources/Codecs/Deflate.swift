import ByteKit
import CDeflate
import CZlib

/// The deflate filter (filter 1): the chunk is one zlib stream (RFC 1950 wrapper around RFC 1951
/// deflate), as libhdf5's H5Z_filter_deflate writes it with `compress2`. The client data holds the
/// compression level, which decoding does not need.
///
/// Like libhdf5, decoding stops at the end of the zlib stream and ignores bytes after it.
public struct DeflateCodec: Codec {
    public var filter: KnownFilter { .deflate }

    /// The inflater used: both are kept so that their throughput can be compared on this machine.
    public enum Implementation: Sendable {
        case zlib
        case libdeflate
    }

    public let implementation: Implementation

    public init(implementation: Implementation = .zlib) {
        self.implementation = implementation
    }

    public func decode(_ input: Bytes, into output: UnsafeMutableRawBufferPointer) throws -> Int {
        try input.withUnsafeBytes { source in
            switch implementation {
            case .zlib: try inflateWithZlib(source, into: output)
            case .libdeflate: try inflateWithLibdeflate(source, into: output)
            }
        }
    }

    /// zlib's compressBound: the most bytes `compress2` writes for `count` input bytes.
    public func encodedSize(decodedSize: ByteCountBound) -> ByteCountBound {
        let count = decodedSize.limit
        return .atMost(saturatingSum(count, count >> 12, count >> 14, count >> 25, 13))
    }

    private func inflateWithZlib(
        _ source: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) throws -> Int {
        var stream = z_stream()
        let initStatus = inflateInit_(&stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else {
            throw CodecError.corruptStream(filter: filter, reason: "zlib could not start (status \(initStatus))")
        }
        defer { inflateEnd(&stream) }

        // zlib counts in 32 bits: larger buffers are handed over in pieces.
        let pieceLimit = Int(UInt32.max)
        var consumed = 0
        var produced = 0
        // One byte that receives output once `output` is full: any byte landing there is an overrun.
        var overrunProbe: UInt8 = 0
        while true {
            let inputPiece = min(source.count - consumed, pieceLimit)
            stream.next_in = source.baseAddress.map {
                UnsafeMutablePointer(mutating: ($0 + consumed).assumingMemoryBound(to: Bytef.self))
            }
            stream.avail_in = UInt32(inputPiece)
            let outputIsFull = produced == output.count
            let outputPiece = outputIsFull ? 1 : min(output.count - produced, pieceLimit)
            let status = withUnsafeMutablePointer(to: &overrunProbe) { probe in
                if outputIsFull {
                    stream.next_out = probe
                } else {
                    stream.next_out = output.baseAddress.map { ($0 + produced).assumingMemoryBound(to: Bytef.self) }
                }
                stream.avail_out = UInt32(outputPiece)
                return inflate(&stream, Z_NO_FLUSH)
            }
            let producedNow = outputPiece - Int(stream.avail_out)
            consumed += inputPiece - Int(stream.avail_in)
            if outputIsFull, producedNow > 0 {
                throw CodecError.outputOverrun(filter: filter, limit: output.count, declared: nil)
            }
            if !outputIsFull { produced += producedNow }
            switch status {
            case Z_STREAM_END:
                return produced
            case Z_OK, Z_BUF_ERROR:
                if consumed == source.count, producedNow == 0 {
                    throw CodecError.corruptStream(filter: filter, reason: "truncated zlib stream")
                }
            case Z_NEED_DICT:
                throw CodecError.corruptStream(filter: filter, reason: "the zlib stream asks for a preset dictionary")
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                throw CodecError.corruptStream(filter: filter, reason: "zlib: \(message)")
            }
        }
    }

    private func inflateWithLibdeflate(
        _ source: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) throws -> Int {
        guard let decompressor = libdeflate_alloc_decompressor() else {
            throw CodecError.corruptStream(filter: filter, reason: "libdeflate could not allocate a decompressor")
        }
        defer { libdeflate_free_decompressor(decompressor) }
        var produced = 0
        let result = libdeflate_zlib_decompress(
            decompressor, source.baseAddress, source.count, output.baseAddress, output.count, &produced)
        switch result {
        case LIBDEFLATE_SUCCESS:
            return produced
        case LIBDEFLATE_INSUFFICIENT_SPACE:
            throw CodecError.outputOverrun(filter: filter, limit: output.count, declared: nil)
        default:
            throw CodecError.corruptStream(filter: filter, reason: "libdeflate: invalid or truncated zlib stream")
        }
    }
}
