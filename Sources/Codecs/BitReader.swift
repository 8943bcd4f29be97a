/// Reads a stream of bits most significant first, as libhdf5's n-bit and scale-offset filters pack
/// them: a value of `n` bits is stored from its bit `n - 1` down to bit 0, filling each byte from
/// its bit 7 down.
struct BitReader {
    private let bytes: UnsafeRawBufferPointer
    private let filter: KnownFilter
    private var byteIndex = 0
    /// Bits of `bytes[byteIndex]` not read yet (its low ones).
    private var bitsLeftInByte = 8

    init(_ bytes: UnsafeRawBufferPointer, filter: KnownFilter) {
        self.bytes = bytes
        self.filter = filter
    }

    /// Reads `count` bits (0...64) as an unsigned value.
    mutating func read(_ count: Int) throws -> UInt64 {
        var value: UInt64 = 0
        var wanted = count
        while wanted > 0 {
            guard byteIndex < bytes.count else {
                throw CodecError.corruptStream(
                    filter: filter, reason: "the packed values need more than the \(bytes.count) bytes stored")
            }
            let taken = min(wanted, bitsLeftInByte)
            let shifted = UInt64(bytes[byteIndex]) >> (bitsLeftInByte - taken)
            value = value << taken | shifted & ((1 << taken) - 1)
            wanted -= taken
            bitsLeftInByte -= taken
            if bitsLeftInByte == 0 {
                byteIndex += 1
                bitsLeftInByte = 8
            }
        }
        return value
    }
}
