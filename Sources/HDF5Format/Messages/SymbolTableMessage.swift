/// An old-style group's storage: a version 1 B-tree of symbol table nodes and the local heap
/// holding the link names (HDF5 File Format Specification 4.0, IV.A.2.r, Symbol Table Message).
///
/// ```text
/// v1 B-tree address    O
/// local heap address   O
/// ```
public struct SymbolTableMessage: Sendable, Equatable {
    public let bTreeAddress: UInt64
    public let localHeapAddress: UInt64

    public init(parsing cursor: inout ByteCursor, context: FormatContext) throws {
        guard let bTree = try cursor.readAddress(context) else { throw cursor.invalid("B-tree address is undefined") }
        guard let heap = try cursor.readAddress(context) else { throw cursor.invalid("local heap address is undefined") }
        bTreeAddress = bTree
        localHeapAddress = heap
    }
}
