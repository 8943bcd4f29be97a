/// Where a file's shared object header message table is; kept in the superblock extension
/// (HDF5 File Format Specification 4.0, IV.A.2.p, Shared Message Table Message).
///
/// ```text
/// version                                   1   0
/// shared object header message table address O   the SMTB structure (III.E)
/// number of indices                         1
/// ```
public struct SharedMessageTableMessage: Sendable, Equatable {
    /// Address of the shared object header message table; nil when undefined.
    public let tableAddress: UInt64?
    /// The number of indices in the table.
    public let indexCount: Int

    public init(parsing cursor: inout ByteCursor, context: FormatContext) throws {
        _ = try cursor.readVersion(0...0)
        tableAddress = try cursor.readAddress(context)
        indexCount = Int(try cursor.readUInt8())
    }
}
