/// The file-wide parameters every decoder needs, taken from the superblock
/// (HDF5 File Format Specification 4.0, II.A): the sizes of offsets and lengths, and the base
/// address that relative addresses are counted from.
public struct FormatContext: Sendable, Equatable {
    /// Bytes in an address ("size of offsets"): 2, 4 or 8.
    public var offsetSize: Int
    /// Bytes in a length ("size of lengths"): 2, 4 or 8.
    public var lengthSize: Int
    /// Absolute file offset that addresses are relative to.
    public var baseAddress: UInt64

    public init(offsetSize: Int, lengthSize: Int, baseAddress: UInt64) {
        self.offsetSize = offsetSize
        self.lengthSize = lengthSize
        self.baseAddress = baseAddress
    }
}
