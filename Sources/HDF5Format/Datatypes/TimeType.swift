/// The properties of a time (class 2) datatype
/// (HDF5 File Format Specification 4.0, IV.A.2.d, Datatype Message, "Time").
///
///     class bit 0      byte order: 0 little-endian, 1 big-endian
///     bit precision    2 bytes
public struct TimeType: Sendable, Equatable {
    public var byteOrder: ByteOrder
    public var bitPrecision: UInt16

    public init(byteOrder: ByteOrder, bitPrecision: UInt16) {
        self.byteOrder = byteOrder
        self.bitPrecision = bitPrecision
    }

    init(parsing cursor: inout ByteCursor, header: Datatype.Header) throws {
        byteOrder = ByteOrder(bit0: header.classBits.bit(0))
        bitPrecision = try cursor.readUInt16()
    }
}
