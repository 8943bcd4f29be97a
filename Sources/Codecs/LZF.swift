import ByteKit

/// h5py's LZF filter (filter 32000): the chunk is one raw LZF block (liblzf's format, no header).
///
/// Client data: filter revision, LZF version, and the chunk size in bytes (a hint for the output
/// buffer, which this codec does not need: the caller sizes the output).
///
/// The format is a series of runs, each starting with a control byte `c`:
/// - `c < 32`: the next `c + 1` bytes are literals;
/// - otherwise a back reference of length `c >> 5` (7 meaning "7 plus the next byte") plus 2,
///   at distance `((c & 0x1f) << 8) + next byte + 1` back from the output position.
public struct LZFCodec: Codec {
    public var filter: KnownFilter { .lzf }

    public init() {}

    public func decode(_ input: Bytes, into output: UnsafeMutableRawBufferPointer) throws -> Int {
        try input.withUnsafeBytes { source in
            guard source.count > 0 else { return 0 }
            guard let outputBase = output.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
                throw CodecError.outputOverrun(filter: filter, limit: 0, declared: nil)
            }
            var inputIndex = 0
            var outputIndex = 0
            while inputIndex < source.count {
                let control = Int(source[inputIndex])
                inputIndex += 1
                if control < 32 {
                    let length = control + 1
                    guard length <= output.count - outputIndex else {
                        throw CodecError.outputOverrun(filter: filter, limit: output.count, declared: nil)
                    }
                    guard length <= source.count - inputIndex else {
                        throw truncated(at: inputIndex)
                    }
                    for offset in 0..<length {
                        outputBase[outputIndex + offset] = source[inputIndex + offset]
                    }
                    inputIndex += length
                    outputIndex += length
                } else {
                    var length = control >> 5
                    guard inputIndex < source.count else { throw truncated(at: inputIndex) }
                    if length == 7 {
                        length += Int(source[inputIndex])
                        inputIndex += 1
                        guard inputIndex < source.count else { throw truncated(at: inputIndex) }
                    }
                    let distance = ((control & 0x1f) << 8) + Int(source[inputIndex]) + 1
                    inputIndex += 1
                    length += 2
                    guard length <= output.count - outputIndex else {
                        throw CodecError.outputOverrun(filter: filter, limit: output.count, declared: nil)
                    }
                    guard distance <= outputIndex else {
                        throw CodecError.corruptStream(
                            filter: filter,
                            reason: "back reference \(distance) bytes behind output position \(outputIndex)")
                    }
                    // Byte by byte: the source may overlap the bytes being written (a repeated run).
                    for offset in 0..<length {
                        outputBase[outputIndex + offset] = outputBase[outputIndex + offset - distance]
                    }
                    outputIndex += length
                }
            }
            return outputIndex
        }
    }

    private func truncated(at offset: Int) -> CodecError {
        .corruptStream(filter: filter, reason: "truncated LZF run at input offset \(offset)")
    }

    /// h5py's writer gives LZF an output buffer the size of its input and stores the chunk
    /// unfiltered (the filter is optional) when it does not fit.
    public func encodedSize(decodedSize: ByteCountBound) -> ByteCountBound { .atMost(decodedSize.limit) }
}
