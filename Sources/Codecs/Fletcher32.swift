import ByteKit

/// The Fletcher-32 checksum filter (filter 3), after libhdf5's H5Z_filter_fletcher32 and
/// H5_checksum_fletcher32. No client data.
///
/// ```text
/// data       n bytes
/// checksum   4 bytes, little-endian, over the data
/// ```
///
/// The checksum sums the data as big-endian 16-bit words (an odd last byte counts as the high
/// byte of a word), both sums starting at 0, folded to 16 bits after every 360 words. libhdf5
/// before 1.6.3 stored the checksum with the bytes of each 16-bit half swapped on little-endian
/// machines; libhdf5 still accepts that form, and so does this codec.
public struct Fletcher32Codec: Codec {
    public var filter: KnownFilter { .fletcher32 }

    static let checksumSize = 4

    public init() {}

    /// Verifies the checksum and returns the data before it, without copying.
    public func decode(_ input: Bytes, decodedSize: ByteCountBound) throws -> Bytes {
        let data = try verifiedData(input)
        try decodedSize.check(data.count, filter: filter)
        return data
    }

    public func decode(_ input: Bytes, into output: UnsafeMutableRawBufferPointer) throws -> Int {
        let data = try verifiedData(input)
        guard data.count <= output.count else {
            throw CodecError.outputOverrun(filter: filter, limit: output.count, declared: UInt64(data.count))
        }
        data.copy(to: output)
        return data.count
    }

    public func encodedSize(decodedSize: ByteCountBound) -> ByteCountBound {
        decodedSize.map { saturatingSum($0, Self.checksumSize) }
    }

    private func verifiedData(_ input: Bytes) throws -> Bytes {
        let dataCount = input.count - Self.checksumSize
        guard dataCount >= 0, let data = input.slice(from: 0, count: dataCount),
            let stored = input.littleEndianInteger(at: dataCount, width: Self.checksumSize).map(UInt32.init)
        else {
            throw CodecError.corruptStream(
                filter: filter, reason: "\(input.count) bytes cannot hold the 4-byte checksum")
        }
        let computed = data.withUnsafeBytes { Self.checksum($0) }
        // The form written by libhdf5 before 1.6.3: the bytes of each 16-bit half swapped.
        let historical = ((computed & 0x00ff_00ff) << 8) | ((computed & 0xff00_ff00) >> 8)
        guard stored == computed || stored == historical else {
            throw CodecError.checksumMismatch(filter: filter, stored: stored, computed: computed)
        }
        return data
    }

    /// libhdf5's H5_checksum_fletcher32 over `data`.
    public static func checksum(_ data: UnsafeRawBufferPointer) -> UInt32 {
        var sum1: UInt32 = 0
        var sum2: UInt32 = 0
        var wordsLeft = data.count / 2
        var index = 0
        while wordsLeft > 0 {
            // 360 words is the most that can be summed before the 32-bit sums could overflow.
            let blockWords = min(wordsLeft, 360)
            wordsLeft -= blockWords
            for _ in 0..<blockWords {
                sum1 &+= UInt32(data[index]) << 8 | UInt32(data[index + 1])
                sum2 &+= sum1
                index += 2
            }
            sum1 = (sum1 & 0xffff) &+ (sum1 >> 16)
            sum2 = (sum2 & 0xffff) &+ (sum2 >> 16)
        }
        if data.count % 2 == 1 {
            sum1 &+= UInt32(data[index]) << 8
            sum2 &+= sum1
            sum1 = (sum1 & 0xffff) &+ (sum1 >> 16)
            sum2 = (sum2 & 0xffff) &+ (sum2 >> 16)
        }
        sum1 = (sum1 & 0xffff) &+ (sum1 >> 16)
        sum2 = (sum2 & 0xffff) &+ (sum2 >> 16)
        return sum2 << 16 | sum1
    }
}
