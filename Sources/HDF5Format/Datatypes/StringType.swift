/// The properties of a fixed-length string (class 3) datatype, which are also those of a
/// variable-length string (HDF5 File Format Specification 4.0, IV.A.2.d, Datatype Message,
/// "String"). A string has no property bytes; its element size is the string's length.
///
///     class bits 0-3    padding type: 0 null terminate, 1 null pad, 2 space pad
///     class bits 4-7    character set: 0 ASCII, 1 UTF-8
public struct StringType: Sendable, Equatable {
    public var padding: StringPadding
    public var characterSet: CharacterSet

    public init(padding: StringPadding, characterSet: CharacterSet) {
        self.padding = padding
        self.characterSet = characterSet
    }

    init(parsing cursor: inout ByteCursor, header: Datatype.Header) throws {
        try self.init(
            paddingBits: header.classBits.bits(0, count: 4), characterSetBits: header.classBits.bits(4, count: 4),
            cursor: cursor, header: header)
    }

    /// From the padding and character set fields, which variable-length strings keep in other bits.
    init(paddingBits: UInt32, characterSetBits: UInt32, cursor: ByteCursor, header: Datatype.Header) throws {
        guard let padding = StringPadding(rawValue: UInt8(paddingBits)) else {
            throw header.invalid(cursor, "reserved string padding type \(paddingBits)")
        }
        guard let characterSet = CharacterSet(rawValue: UInt8(characterSetBits)) else {
            throw header.invalid(cursor, "reserved character set \(characterSetBits)")
        }
        self.init(padding: padding, characterSet: characterSet)
    }

    /// How a string shorter than its element is terminated or padded.
    public enum StringPadding: UInt8, Sendable, Equatable {
        /// A NUL ends the string; bytes after it are undefined.
        case nullTerminate = 0
        /// NULs pad the string; no terminator when it fills the element.
        case nullPad = 1
        /// Spaces pad the string (Fortran style).
        case spacePad = 2
    }

    /// The encoding of a string's characters.
    public enum CharacterSet: UInt8, Sendable, Equatable {
        case ascii = 0
        case utf8 = 1
    }
}

extension StringType {
    /// The characters of a fixed-length string element, as libhdf5 converts it to the NUL-padded
    /// strings NumPy reads (which then drops trailing NULs): up to the first NUL when
    /// NUL-terminated, without trailing NULs when NUL-padded, without trailing spaces (then
    /// NULs) when space-padded.
    public func characters(_ bytes: [UInt8]) -> [UInt8] {
        func droppingTrailing(_ byte: UInt8, _ bytes: [UInt8]) -> [UInt8] {
            Array(bytes[..<(bytes.lastIndex { $0 != byte }.map { $0 + 1 } ?? 0)])
        }
        switch padding {
        case .nullTerminate: return Array(bytes.prefix { $0 != 0 })
        case .nullPad: return droppingTrailing(0, bytes)
        case .spacePad: return droppingTrailing(0, droppingTrailing(UInt8(ascii: " "), bytes))
        }
    }
}
