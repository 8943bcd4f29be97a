import ByteKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The scale-offset filter (filter 6), after libhdf5's H5Zscaleoffset.c. The writer subtracts the
/// chunk's minimum from every value (floating-point values are first scaled by 10^D and rounded),
/// and packs the differences in `minbits` bits each, most significant first. The largest
/// `minbits`-bit value stands for the fill value when the dataset defines one.
///
/// ```text
/// minbits        4 bytes, little-endian
/// minimum size   1 byte (8)
/// minimum        8 bytes, little-endian (a float's or double's bits in the low bytes)
/// (zero)         8 bytes
/// packed values  number of elements × minbits bits
/// ```
///
/// Client data (20 values): scale type (0 floating-point D-scale, 1 E-scale, 2 integer), scale
/// factor (D for D-scale; minbits for integers, 0 to compute it), number of elements, class
/// (0 integer, 1 floating-point), size in bytes, sign (0 unsigned, 1 two's complement), byte order
/// (0 little-endian, 1 big-endian), whether a fill value is defined, and from value 8 the fill
/// value's bytes, little-endian, four per value.
public struct ScaleOffsetCodec: Codec {
    public var filter: KnownFilter { .scaleOffset }

    public enum ValueClass: Sendable, Equatable {
        case integer
        /// D-scale: values were multiplied by 10^decimalScale before rounding.
        case floatingPoint(decimalScale: Int32)
    }

    public let valueClass: ValueClass
    public let elementCount: Int
    public let elementSize: Int
    public let isBigEndian: Bool
    /// The fill value's bits (little-endian order), when the dataset defines one.
    public let fillValue: UInt64?
    /// True for integers whose requested minbits is the full size: libhdf5 then stores chunks
    /// unchanged, without a header.
    public let storesUnchanged: Bool

    static let headerSize = 21
    static let parameterCount = 20

    public init(clientData: [UInt32]) throws {
        guard clientData.count == Self.parameterCount else {
            throw Self.invalid("expected \(Self.parameterCount) values; found \(clientData.count)")
        }
        let scaleType = clientData[0]
        let scaleFactor = Int32(bitPattern: clientData[1])
        elementCount = Int(clientData[2])
        elementSize = Int(clientData[4])
        isBigEndian = clientData[6] == 1
        var storesUnchanged = false
        switch clientData[3] {
        case 0:
            guard scaleType == 2 else { throw Self.invalid("scale type \(scaleType) for integers") }
            guard [1, 2, 4, 8].contains(elementSize) else { throw Self.invalid("integers of \(elementSize) bytes") }
            // A negative minbits asks libhdf5 to compute it; the full size asks it to store as is.
            guard Int(scaleFactor) <= elementSize * 8 else {
                throw Self.invalid("minbits \(scaleFactor) exceeds \(elementSize * 8)")
            }
            storesUnchanged = Int(scaleFactor) == elementSize * 8
            valueClass = .integer
        case 1:
            guard scaleType == 0 else {
                throw Self.invalid("scale type \(scaleType) for floating-point values (only D-scale, 0, exists)")
            }
            guard elementSize == 4 || elementSize == 8 else {
                throw Self.invalid("floating-point values of \(elementSize) bytes")
            }
            valueClass = .floatingPoint(decimalScale: scaleFactor)
        default:
            throw Self.invalid("datatype class \(clientData[3])")
        }
        guard clientData[6] <= 1 else { throw Self.invalid("byte order \(clientData[6])") }
        self.storesUnchanged = storesUnchanged
        if clientData[7] == 1 {
            // The fill value's bytes, four per value, least significant first.
            fillValue = clientData[8...].prefix(2).enumerated().reduce(0) { bits, entry in
                bits | UInt64(entry.element) << (32 * entry.offset)
            }
        } else {
            fillValue = nil
        }
    }

    static func invalid(_ reason: String) -> CodecError {
        .invalidParameters(filter: .scaleOffset, reason: reason)
    }

    public func decode(_ input: Bytes, into output: UnsafeMutableRawBufferPointer) throws -> Int {
        if storesUnchanged {
            guard input.count <= output.count else {
                throw CodecError.outputOverrun(filter: filter, limit: output.count, declared: UInt64(input.count))
            }
            input.copy(to: output)
            return input.count
        }
        let (decodedSize, overflow) = elementCount.multipliedReportingOverflow(by: elementSize)
        guard !overflow, decodedSize <= output.count else {
            throw CodecError.outputOverrun(
                filter: filter, limit: output.count, declared: UInt64(elementCount) * UInt64(elementSize))
        }
        guard let minbitsField = input.littleEndianInteger(at: 0, width: 4),
            let minimumSizeField = input.byte(at: 4), let packed = input.slice(from: Self.headerSize, count: input.count - Self.headerSize)
        else {
            throw CodecError.corruptStream(filter: filter, reason: "\(input.count) bytes cannot hold the 21-byte header")
        }
        let minbits = Int(minbitsField)
        let bitLength = elementSize * 8
        guard minbits <= bitLength else {
            throw CodecError.corruptStream(filter: filter, reason: "minbits \(minbits) exceeds \(bitLength)")
        }
        let minimumSize = min(Int(minimumSizeField), 8)
        let minimum = minimumSize == 0 ? 0 : input.littleEndianInteger(at: 5, width: minimumSize) ?? 0
        let target = output.region(from: 0, count: decodedSize)

        if minbits == bitLength {
            // Stored unpacked, in the writer's memory order (little-endian on every current writer).
            guard packed.count >= decodedSize, let raw = packed.slice(from: 0, count: decodedSize) else {
                throw CodecError.corruptStream(
                    filter: filter, reason: "\(packed.count) bytes for \(decodedSize) unpacked bytes")
            }
            raw.copy(to: target)
            if isBigEndian { reverseEachElement(target) }
            return decodedSize
        }
        try packed.withUnsafeBytes { packedBytes in
            var reader = BitReader(packedBytes, filter: filter)
            let fillMarker: UInt64 = (1 << minbits) - 1
            for element in 0..<elementCount {
                // With minbits 0 every value equals the minimum (or, with a fill value, is the fill).
                let difference = try reader.read(minbits)
                let bits: UInt64
                if let fillValue, difference == fillMarker {
                    bits = fillValue
                } else {
                    bits = restore(difference, minimum: minimum)
                }
                write(bits, at: element * elementSize, into: target)
            }
        }
        return decodedSize
    }

    /// The value's bits from its packed difference.
    private func restore(_ difference: UInt64, minimum: UInt64) -> UInt64 {
        switch valueClass {
        case .integer:
            // Wraps within the element's width, as libhdf5's C arithmetic does.
            return difference &+ minimum
        case .floatingPoint(let decimalScale) where elementSize == 4:
            let minimumValue = Float(bitPattern: UInt32(truncatingIfNeeded: minimum))
            let scaled = Float(Int32(truncatingIfNeeded: difference)) / powf(10, Float(decimalScale))
            return UInt64((scaled + minimumValue).bitPattern)
        case .floatingPoint(let decimalScale):
            let minimumValue = Double(bitPattern: minimum)
            let scaled = Double(Int64(bitPattern: difference)) / pow(10, Double(decimalScale))
            return (scaled + minimumValue).bitPattern
        }
    }

    /// Writes the low `elementSize` bytes of `bits` in the dataset's byte order.
    private func write(_ bits: UInt64, at offset: Int, into output: UnsafeMutableRawBufferPointer) {
        for byte in 0..<elementSize {
            let index = isBigEndian ? offset + elementSize - 1 - byte : offset + byte
            output[index] = UInt8(truncatingIfNeeded: bits >> (8 * byte))
        }
    }

    private func reverseEachElement(_ buffer: UnsafeMutableRawBufferPointer) {
        for start in stride(from: 0, to: buffer.count, by: elementSize) {
            var low = start
            var high = start + elementSize - 1
            while low < high {
                buffer.swapAt(low, high)
                low += 1
                high -= 1
            }
        }
    }

    /// The header, then at most every value whole (libhdf5 allocates one byte more).
    public func encodedSize(decodedSize: ByteCountBound) -> ByteCountBound {
        storesUnchanged ? decodedSize : .atMost(saturatingSum(decodedSize.limit, Self.headerSize, 1))
    }
}
