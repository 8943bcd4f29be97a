import ByteKit

/// A link from a group to an object, stored in the group's header (compact storage) or in its
/// fractal heap (dense storage) (HDF5 File Format Specification 4.0, IV.A.2.g, Link Message).
///
/// ```text
/// version (1)                     1
/// flags                           1   bits 0-1: width of the name length (1, 2, 4, 8 bytes)
///                                     bit 2: creation order present; bit 3: link type present
///                                     bit 4: name character set present
/// link type                       1   (bit 3) 0 hard, 1 soft, 64 external, 65-255 user-defined
/// creation order                  8   (bit 2)
/// link name character set         1   (bit 4) 0 ASCII, 1 UTF-8
/// length of link name             1/2/4/8
/// link name                       (not NUL-terminated)
/// link information                hard: address; soft: length 2 + path;
///                                 external: length 2 + (version/flags 1, file\0, path\0);
///                                 user-defined: length 2 + data
/// ```
public struct LinkMessage: Sendable, Equatable {
    /// Where a link leads.
    public enum Target: Sendable, Equatable {
        /// To the object header at this absolute address.
        case hard(UInt64)
        /// To a path, absolute or relative to the link's group, resolved when followed.
        case soft(String)
        /// To an object in another file.
        case external(file: String, path: String)
        /// A link type this reader does not interpret (65 to 255).
        case userDefined(UInt8)
    }

    public let name: String
    public let target: Target
    /// The link's creation order, when the group tracks it.
    public let creationOrder: Int64?

    public init(name: String, target: Target, creationOrder: Int64? = nil) {
        self.name = name
        self.target = target
        self.creationOrder = creationOrder
    }

    public init(parsing cursor: inout ByteCursor, context: FormatContext) throws {
        let start = cursor.offset
        _ = try cursor.readVersion(1...1)
        let flags = try cursor.readUInt8()
        let linkType = flags & 0x08 != 0 ? try cursor.readUInt8() : 0
        creationOrder = flags & 0x04 != 0 ? Int64(bitPattern: try cursor.readUInt64()) : nil
        if flags & 0x10 != 0 { try cursor.skip(1) }  // charset: names are decoded as UTF-8 either way
        let nameLength = try cursor.readUnsigned(width: 1 << Int(flags & 0x03))
        guard nameLength > 0 else { throw cursor.invalid("link name is empty") }
        name = decodeText(try cursor.readBytes(try cursor.require(nameLength)).array)
        switch linkType {
        case 0:
            guard let address = try cursor.readAddress(context) else {
                throw cursor.invalid("hard link \"\(name)\" has an undefined address")
            }
            target = .hard(address)
        case 1:
            let length = Int(try cursor.readUInt16())
            target = .soft(decodeText(try cursor.readBytes(length).array))
        case 64:
            let length = Int(try cursor.readUInt16())
            var value = try cursor.readCursor(length, structure: "external link value")
            let versionAndFlags = try value.readUInt8()
            guard versionAndFlags >> 4 == 0 else {
                throw HDF5Error.unknownVersion(
                    structure: "external link value", offset: value.baseOffset, version: Int(versionAndFlags >> 4))
            }
            let file = try value.readNullTerminatedString(maxLength: value.remaining)
            let path = try value.readNullTerminatedString(maxLength: value.remaining)
            target = .external(file: file, path: path)
        case 65...255:
            let length = Int(try cursor.readUInt16())
            try cursor.skip(length)
            target = .userDefined(linkType)
        default:
            throw HDF5Error.invalid(
                structure: cursor.structure, offset: start, reason: "link type \(linkType) is reserved")
        }
    }
}
