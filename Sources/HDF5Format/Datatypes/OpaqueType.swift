/// The properties of an opaque (class 5) datatype
/// (HDF5 File Format Specification 4.0, IV.A.2.d, Datatype Message, "Opaque").
///
///     class bits 0-7    length of the tag in bytes, a multiple of 8
///     ASCII tag         that many bytes: the tag, NUL-terminated and NUL-padded
public struct OpaqueType: Sendable, Equatable {
    /// A description of the bytes' meaning, chosen by the writer.
    public var tag: String

    public init(tag: String) { self.tag = tag }

    /// The NumPy type h5py stored as this opaque type, from a tag `NUMPY:<type string>` (h5py's
    /// way of keeping NumPy types HDF5 lacks, such as `datetime64`); nil for other tags.
    public var numpyType: String? {
        tag.hasPrefix("NUMPY:") ? String(tag.dropFirst("NUMPY:".count)) : nil
    }

    init(parsing cursor: inout ByteCursor, header: Datatype.Header) throws {
        let length = Int(header.classBits.bits(0, count: 8))
        let tagBytes = try cursor.readBytes(length).array
        tag = decodeText(Array(tagBytes.prefix { $0 != 0 }))
    }
}
