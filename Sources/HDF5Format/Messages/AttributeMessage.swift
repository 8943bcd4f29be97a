import ByteKit

/// An attribute: a name, a datatype, a dataspace and the raw value, undecoded
/// (HDF5 File Format Specification 4.0, IV.A.2.m, Attribute Message).
///
/// ```text
/// version                1   1, 2 or 3
/// reserved / flags       1   v2+: bit 0 datatype shared, bit 1 dataspace shared
/// name size              2   including the NUL terminator
/// datatype size          2
/// dataspace size         2
/// name character set     1   (v3)
/// name                       v1: padded to a multiple of 8
/// datatype                   v1: padded to a multiple of 8; a shared message when flagged
/// dataspace                  v1: padded to a multiple of 8; a shared message when flagged
/// data                       the rest of the message
/// ```
public struct AttributeMessage: Sendable {
    public let name: String
    /// The datatype message's bytes, or a shared-message reference when `isDatatypeShared`.
    public let datatype: ByteCursor
    /// The dataspace message's bytes, or a shared-message reference when `isDataspaceShared`.
    public let dataspace: ByteCursor
    public let isDatatypeShared: Bool
    public let isDataspaceShared: Bool
    /// The raw value: the elements in the datatype's encoding.
    public let data: Bytes
    /// Absolute file offset of `data`.
    public let dataOffset: UInt64

    public init(parsing cursor: inout ByteCursor, context: FormatContext) throws {
        let version = try cursor.readVersion(1...3)
        let flags = try cursor.readUInt8()
        isDatatypeShared = version >= 2 && flags & 0x01 != 0
        isDataspaceShared = version >= 2 && flags & 0x02 != 0
        let nameSize = Int(try cursor.readUInt16())
        let datatypeSize = Int(try cursor.readUInt16())
        let dataspaceSize = Int(try cursor.readUInt16())
        if version == 3 { try cursor.skip(1) }  // name charset: names are decoded as UTF-8 either way
        func padded(_ size: Int) -> Int { version == 1 ? (size + 7) / 8 * 8 : size }
        var nameCursor = try cursor.readCursor(padded(nameSize), structure: "attribute name")
        name = try nameCursor.readNullTerminatedString(maxLength: nameSize)
        datatype = try cursor.readCursor(padded(datatypeSize), structure: "attribute \"\(name)\" datatype")
        dataspace = try cursor.readCursor(padded(dataspaceSize), structure: "attribute \"\(name)\" dataspace")
        dataOffset = cursor.offset
        data = try cursor.readBytes(cursor.remaining)
    }
}
