/// The properties of a floating-point (class 1) datatype
/// (HDF5 File Format Specification 4.0, IV.A.2.d, Datatype Message, "Floating-Point").
///
///     class bits 0, 6    byte order: 00 little-endian, 01 big-endian, 11 VAX (version 3+)
///     class bits 1-3     low, high and internal padding
///     class bits 4-5     mantissa normalisation: 0 none, 1 most significant bit set, 2 implied
///     class bits 8-15    sign location: the bit holding the sign
///     bit offset         2 bytes
///     bit precision      2 bytes
///     exponent location  1 byte    bit position of the exponent
///     exponent size      1 byte    bits in the exponent
///     mantissa location  1 byte
///     mantissa size      1 byte
///     exponent bias      4 bytes
public struct FloatingPointType: Sendable, Equatable {
    public var byteOrder: ByteOrder
    public var lowPadding: PaddingBit
    public var highPadding: PaddingBit
    /// Value of unused bits between the sign, exponent and mantissa.
    public var internalPadding: PaddingBit
    public var mantissaNormalization: MantissaNormalization
    public var signLocation: UInt8
    public var bitOffset: UInt16
    public var bitPrecision: UInt16
    public var exponentLocation: UInt8
    public var exponentSize: UInt8
    public var mantissaLocation: UInt8
    public var mantissaSize: UInt8
    public var exponentBias: UInt32

    /// How the mantissa's leading bit is represented.
    public enum MantissaNormalization: Sendable, Equatable {
        /// No normalisation: the mantissa holds every bit (x87 extended precision).
        case none
        /// The mantissa's most significant bit is always set and stored.
        case mostSignificantBitSet
        /// The mantissa's most significant bit is always set and not stored (IEEE 754).
        case implied
    }

    public init(
        byteOrder: ByteOrder, lowPadding: PaddingBit = .zero, highPadding: PaddingBit = .zero,
        internalPadding: PaddingBit = .zero, mantissaNormalization: MantissaNormalization = .implied,
        signLocation: UInt8, bitOffset: UInt16 = 0, bitPrecision: UInt16, exponentLocation: UInt8,
        exponentSize: UInt8, mantissaLocation: UInt8 = 0, mantissaSize: UInt8, exponentBias: UInt32
    ) {
        self.byteOrder = byteOrder
        self.lowPadding = lowPadding
        self.highPadding = highPadding
        self.internalPadding = internalPadding
        self.mantissaNormalization = mantissaNormalization
        self.signLocation = signLocation
        self.bitOffset = bitOffset
        self.bitPrecision = bitPrecision
        self.exponentLocation = exponentLocation
        self.exponentSize = exponentSize
        self.mantissaLocation = mantissaLocation
        self.mantissaSize = mantissaSize
        self.exponentBias = exponentBias
    }

    init(parsing cursor: inout ByteCursor, header: Datatype.Header) throws {
        let bits = header.classBits
        switch (bits.bit(0), bits.bit(6) && header.version >= 3) {
        case (false, false): byteOrder = .littleEndian
        case (true, false): byteOrder = .bigEndian
        case (true, true): byteOrder = .vax
        case (false, true): throw header.invalid(cursor, "reserved floating-point byte order (bit 6 without bit 0)")
        }
        lowPadding = PaddingBit(bits.bit(1))
        highPadding = PaddingBit(bits.bit(2))
        internalPadding = PaddingBit(bits.bit(3))
        switch bits.bits(4, count: 2) {
        case 0: mantissaNormalization = .none
        case 1: mantissaNormalization = .mostSignificantBitSet
        case 2: mantissaNormalization = .implied
        default: throw header.invalid(cursor, "reserved mantissa normalization 3")
        }
        signLocation = UInt8(bits.bits(8, count: 8))
        bitOffset = try cursor.readUInt16()
        bitPrecision = try cursor.readUInt16()
        exponentLocation = try cursor.readUInt8()
        exponentSize = try cursor.readUInt8()
        mantissaLocation = try cursor.readUInt8()
        mantissaSize = try cursor.readUInt8()
        exponentBias = try cursor.readUInt32()
        let sizeInBits = 8 * UInt64(header.size)
        guard exponentSize > 0, mantissaSize > 0,
            UInt64(exponentLocation) + UInt64(exponentSize) <= sizeInBits,
            UInt64(mantissaLocation) + UInt64(mantissaSize) <= sizeInBits,
            UInt64(signLocation) < sizeInBits
        else {
            throw header.invalid(cursor, "floating-point fields do not fit \(header.size) bytes")
        }
    }

    /// The IEEE 754 binary interchange format of `size` bytes (2, 4 or 8) in `byteOrder`.
    public static func ieee(size: UInt32, byteOrder: ByteOrder) -> FloatingPointType? {
        let (exponentSize, mantissaSize): (UInt8, UInt8)
        switch size {
        case 2: (exponentSize, mantissaSize) = (5, 10)
        case 4: (exponentSize, mantissaSize) = (8, 23)
        case 8: (exponentSize, mantissaSize) = (11, 52)
        default: return nil
        }
        return FloatingPointType(
            byteOrder: byteOrder, signLocation: UInt8(8 * size - 1), bitPrecision: UInt16(8 * size),
            exponentLocation: mantissaSize, exponentSize: exponentSize, mantissaSize: mantissaSize,
            exponentBias: (1 << (UInt32(exponentSize) - 1)) - 1)
    }
}

extension FloatingPointType {
    /// True when the layout is the IEEE 754 binary interchange format of `size` bytes.
    func isIEEE(size: UInt32) -> Bool {
        guard var standard = FloatingPointType.ieee(size: size, byteOrder: byteOrder) else { return false }
        // Padding bits do not change how a standard layout's value is read.
        standard.lowPadding = lowPadding
        standard.highPadding = highPadding
        standard.internalPadding = internalPadding
        return standard == self
    }

    /// The value of an element from its sign, exponent and mantissa fields (for layouts other
    /// than IEEE's: x87 extended precision, custom exponent and mantissa sizes).
    func genericValue(littleEndianBytes bytes: [UInt8]) -> Double {
        func field(_ location: Int, _ size: Int) -> (value: UInt64, droppedBits: Int) {
            // Fields wider than 64 bits keep their top 64 bits: more than a Double can hold.
            let dropped = max(size - 64, 0)
            var value: UInt64 = 0
            for bit in stride(from: location + size - 1, through: location + dropped, by: -1) {
                let byte = bit / 8 < bytes.count ? bytes[bit / 8] : 0
                value = value << 1 | UInt64(byte >> UInt8(bit % 8) & 1)
            }
            return (value, dropped)
        }
        let negative = field(Int(signLocation), 1).value == 1
        let exponent = field(Int(exponentLocation), Int(exponentSize)).value
        let (mantissa, dropped) = field(Int(mantissaLocation), Int(mantissaSize))
        let mantissaBits = Int(mantissaSize) - dropped
        let maximumExponent = exponentSize >= 64 ? UInt64.max : (1 << UInt64(exponentSize)) - 1
        // With no implied bit, the mantissa's top bit is the integer part.
        let fractionBits = mantissaNormalization == .implied ? mantissaBits : mantissaBits - 1
        let fractionMask = fractionBits >= 64 ? UInt64.max : (1 << UInt64(max(fractionBits, 0))) - 1
        let sign: FloatingPointSign = negative ? .minus : .plus
        if exponent == maximumExponent {
            return mantissa & fractionMask == 0 ? (negative ? -.infinity : .infinity) : .nan
        }
        let unbiased = Int(clamping: exponent) - Int(exponentBias)
        var significand = Double(mantissa) * Double(sign: .plus, exponent: -fractionBits, significand: 1)
        if mantissaNormalization == .implied {
            significand += exponent == 0 ? 0 : 1
        }
        // A zero exponent is subnormal: the exponent of the smallest normal number.
        return Double(sign: sign, exponent: exponent == 0 ? 1 - Int(exponentBias) : unbiased, significand: significand)
    }
}
