/// How many hard links point to an object, when more than one
/// (HDF5 File Format Specification 4.0, IV.A.2.w, Object Reference Count Message).
///
/// ```text
/// version           1   0
/// reference count   4
/// ```
public struct ObjectReferenceCountMessage: Sendable, Equatable {
    public let referenceCount: UInt32

    public init(parsing cursor: inout ByteCursor, context: FormatContext) throws {
        _ = try cursor.readVersion(0...0)
        referenceCount = try cursor.readUInt32()
    }
}
