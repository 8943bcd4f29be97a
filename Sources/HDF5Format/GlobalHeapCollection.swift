import ByteKit

/// One collection of the global heap, which holds the bytes of variable-length data and of
/// dataset region references (HDF5 File Format Specification 4.0, III.E, Global Heap).
///
///     signature          4 bytes   "GCOL"
///     version            1 byte    1
///     reserved           3 bytes
///     collection size    size of lengths bytes: the whole collection, this header included
///     (the header is padded to a multiple of 8 bytes)
///     objects, each:
///         heap object index   2 bytes   1 and up; 0 marks the free space at the end
///         reference count     2 bytes
///         reserved            4 bytes
///         object size         size of lengths bytes: the data's size, unpadded (for the free
///                             space object, the free space's size with this header)
///         object data         padded to a multiple of 8 bytes
public struct GlobalHeapCollection: Sendable {
    /// Absolute address of the collection.
    public let address: UInt64
    /// The objects, by heap object index.
    public let objects: [UInt16: Object]

    /// One object of a collection.
    public struct Object: Sendable {
        public let referenceCount: UInt16
        /// The object's data, without padding.
        public let data: Bytes
        /// Absolute file offset of the data.
        public let offset: UInt64
    }

    static let structure = "global heap collection"

    /// Reads the collection at `address`: first its header, then the size it declares.
    public static func read(view: FileView, address: UInt64, context: FormatContext) throws -> GlobalHeapCollection {
        let headerSize = (8 + context.lengthSize + 7) / 8 * 8
        var header = try view.cursor(at: address, length: UInt64(headerSize), structure: structure)
        try header.expectSignature("GCOL")
        let version = try header.readUInt8()
        guard version == 1 else {
            throw HDF5Error.unknownVersion(structure: structure, offset: address, version: Int(version))
        }
        try header.skip(3)
        let collectionSize = try header.readLength(context)
        guard collectionSize >= UInt64(headerSize) else {
            throw HDF5Error.invalid(
                structure: structure, offset: address, reason: "collection size \(collectionSize) is below its header's"
            )
        }
        guard collectionSize <= Limits.structureBytes else {
            throw HDF5Error.limitExceeded(
                structure: structure, offset: address,
                limit: "collection of \(collectionSize) bytes above \(Limits.structureBytes)")
        }
        var cursor = try view.cursor(at: address, length: collectionSize, structure: structure)
        try cursor.skip(headerSize)
        let objectHeaderSize = 8 + context.lengthSize
        var objects: [UInt16: Object] = [:]
        // Each object consumes at least its header, so the loop ends within the collection.
        while cursor.remaining >= objectHeaderSize {
            let objectOffset = cursor.offset
            let index = try cursor.readUInt16()
            if index == 0 { break }  // The free space, always the collection's tail.
            let referenceCount = try cursor.readUInt16()
            try cursor.skip(4)
            let size = try cursor.readLength(context)
            let dataOffset = cursor.offset
            let data = try cursor.readBytes(try cursor.require(size))
            try cursor.skip(min((data.count + 7) / 8 * 8 - data.count, cursor.remaining))
            guard objects[index] == nil else {
                throw HDF5Error.invalid(
                    structure: structure, offset: objectOffset, reason: "heap object index \(index) appears twice")
            }
            objects[index] = Object(referenceCount: referenceCount, data: data, offset: dataOffset)
        }
        return GlobalHeapCollection(address: address, objects: objects)
    }

    /// The object with heap object `index` (a global heap ID's index is 4 bytes wide, a
    /// collection's 2: larger indexes exist nowhere).
    /// - Throws: `HDF5Error.invalid` when the collection has no such object.
    public func object(index: UInt32) throws -> Object {
        guard let shortIndex = UInt16(exactly: index), let object = objects[shortIndex] else {
            throw HDF5Error.invalid(
                structure: Self.structure, offset: address, reason: "no heap object with index \(index)")
        }
        return object
    }
}
