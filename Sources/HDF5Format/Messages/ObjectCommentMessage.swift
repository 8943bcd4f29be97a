/// A comment on an object, as set by `H5Oset_comment`
/// (HDF5 File Format Specification 4.0, IV.A.2.n, Object Comment Message).
///
/// ```text
/// comment     the rest of the message, NUL-terminated ASCII
/// ```
public struct ObjectCommentMessage: Sendable, Equatable {
    public let comment: String

    public init(parsing cursor: inout ByteCursor, context: FormatContext) throws {
        comment = try cursor.readNullTerminatedString(maxLength: cursor.remaining)
    }
}
