/// The properties of a fixed-point (class 0) or bitfield (class 4) datatype
/// (HDF5 File Format Specification 4.0, IV.A.2.d, Datatype Message, "Fixed-Point" and
/// "Bitfield" class bit fields and properties).
///
///     class bit 0        byte order: 0 little-endian, 1 big-endian
///     class bit 1, 2     low and high padding: the value of unused bits below and above
///     class bit 3        signed (two's complement); fixed-point only, always 0 for bitfields
///     bit offset         2 bytes   the first bit of the value within the element
///     bit precision      2 bytes   the number of bits of the value
public struct FixedPointType: Sendable, Equatable {
    public var byteOrder: ByteOrder
    /// Value of the padding bits below the offset.
    public var lowPadding: PaddingBit
    /// Value of the padding bits above the precision.
    public var highPadding: PaddingBit
    /// True for two's complement signed integers.
    public var isSigned: Bool
    public var bitOffset: UInt16
    public var bitPrecision: UInt16

    public init(
        byteOrder: ByteOrder, lowPadding: PaddingBit = .zero, highPadding: PaddingBit = .zero, isSigned: Bool,
        bitOffset: UInt16, bitPrecision: UInt16
    ) {
        self.byteOrder = byteOrder
        self.lowPadding = lowPadding
        self.highPadding = highPadding
        self.isSigned = isSigned
        self.bitOffset = bitOffset
        self.bitPrecision = bitPrecision
    }

    /// Parses the properties; `signBit` is false for bitfields, whose bit 3 is reserved.
    init(parsing cursor: inout ByteCursor, header: Datatype.Header, signBit: Bool) throws {
        let bits = header.classBits
        byteOrder = ByteOrder(bit0: bits.bit(0))
        lowPadding = PaddingBit(bits.bit(1))
        highPadding = PaddingBit(bits.bit(2))
        isSigned = signBit && bits.bit(3)
        bitOffset = try cursor.readUInt16()
        bitPrecision = try cursor.readUInt16()
        guard bitPrecision > 0, UInt64(bitOffset) + UInt64(bitPrecision) <= 8 * UInt64(header.size) else {
            throw header.invalid(
                cursor, "bit offset \(bitOffset) and precision \(bitPrecision) do not fit \(header.size) bytes")
        }
    }
}

/// The value that unused bits of a numeric element hold.
public enum PaddingBit: Sendable, Equatable {
    case zero
    case one

    init(_ bit: Bool) { self = bit ? .one : .zero }
}

extension FixedPointType {
    /// The value of an element whose bytes, in native order, are `raw`: the bits from the bit
    /// offset for the precision, sign-extended when signed (as libhdf5's conversions do).
    func value(of raw: UInt64) -> Value {
        let precision = UInt64(min(bitPrecision, 64))
        guard precision > 0 else { return isSigned ? .signed(0) : .unsigned(0) }
        let shifted = bitOffset >= 64 ? 0 : raw >> UInt64(bitOffset)
        let mask = precision >= 64 ? UInt64.max : (1 << precision) - 1
        let bits = shifted & mask
        guard isSigned else { return .unsigned(bits) }
        let signBit = UInt64(1) << (precision - 1)
        return .signed(Int64(bitPattern: bits & signBit != 0 ? bits | ~mask : bits))
    }
}
