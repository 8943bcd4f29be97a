import ByteKit

/// The superblock: where an HDF5 file starts (HDF5 File Format Specification 4.0, II.A).
///
/// ```text
/// versions 0 and 1                          versions 2 and 3
///   signature                 8               signature                       8
///   version of superblock     1               version of superblock           1
///   version of free space     1               size of offsets                 1
///   version of root entry     1               size of lengths                 1
///   reserved                  1               file consistency flags          1
///   version of shared header  1               base address                    O
///   size of offsets           1               superblock extension address    O
///   size of lengths           1               end of file address             O
///   reserved                  1               root group object header addr.  O
///   group leaf node K         2               checksum (lookup3)              4
///   group internal node K     2
///   file consistency flags    4
///   (v1) indexed storage K, reserved  2+2
///   base address, free-space address, end of file address, driver info address   4 x O
///   root group symbol table entry: link name offset O, object header address O,
///     cache type 4, reserved 4, scratch pad 16
/// ```
public struct Superblock: Sendable, Equatable {
    /// The format signature, `\211HDF\r\n\032\n`.
    public static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
    /// Bytes enough to hold any superblock version with 8-byte offsets and lengths.
    public static let maximumSize: UInt64 = 8 + 16 + 4 + 4 * 8 + (2 * 8 + 24)

    /// Superblock version, 0 to 3.
    public let version: Int
    /// Absolute file offset of the superblock (after any user block).
    public let offset: UInt64
    /// Offset and length sizes and the base address, for every other decoder.
    public let context: FormatContext
    /// Address of the root group's object header.
    public let rootObjectHeaderAddress: UInt64
    /// The root group's B-tree and local heap as the superblock's root entry caches them
    /// (versions 0 and 1, cache type 1), which libhdf5 repeats in the root's symbol table
    /// message: a guess at the root's links before its header is whole, never a substitute.
    public let rootCachedSymbolTable: SymbolTableMessage?
    /// The cached symbol table of the group whose header is at `address`: the root's, if cached.
    public func cachedSymbolTable(of address: UInt64) -> SymbolTableMessage? {
        address == rootObjectHeaderAddress ? rootCachedSymbolTable : nil
    }
    /// Address of the superblock extension's object header (versions 2 and 3), if any.
    public let extensionAddress: UInt64?
    /// End-of-file address: where the file's data ends (relative addresses made absolute).
    public let endOfFileAddress: UInt64?
    /// File consistency flags. Bit 0 "open for write" is set by a writer that did not close
    /// the file; libhdf5 refuses such files, this reader does not need to.
    public let consistencyFlags: UInt32

    /// Where a superblock may start: offset 0, then 512 and every power of two after it
    /// (II.A, "Format Signature"), up to the file's size.
    public static func candidateOffsets(fileSize: UInt64) -> [UInt64] {
        var offsets: [UInt64] = [0]
        var next: UInt64 = 512
        while next < fileSize {
            offsets.append(next)
            next *= 2
        }
        return offsets
    }

    /// Finds and decodes the superblock, trying each candidate offset in turn.
    public static func find(in view: FileView) throws -> Superblock {
        for candidate in candidateOffsets(fileSize: view.fileSize) {
            guard view.fileSize - candidate >= UInt64(signature.count) else { break }
            let head = try view.bytes(at: candidate, length: UInt64(signature.count), structure: "superblock")
            if head.array == signature {
                return try Superblock(view: view, offset: candidate)
            }
        }
        let head = try view.bytes(at: 0, length: min(view.fileSize, 8), structure: "superblock")
        throw HDF5Error.badSignature(
            structure: "superblock (searched at 0, 512, 1024, 2048, ...; not an HDF5 file?)", offset: 0,
            expected: "\\211HDF\\r\\n\\032\\n", found: printable(head.array))
    }

    /// Decodes the superblock whose signature is at `offset`.
    public init(view: FileView, offset: UInt64) throws {
        self.offset = offset
        var cursor = try view.cursor(at: offset, upTo: Self.maximumSize, structure: "superblock")
        try cursor.skip(Self.signature.count)
        let versionOffset = cursor.offset
        version = Int(try cursor.readUInt8())
        switch version {
        case 0, 1:
            try cursor.skip(3)  // free-space, root entry versions; reserved
            try cursor.skip(1)  // shared header message format version
            let offsetSize = Int(try cursor.readUInt8())
            let lengthSize = Int(try cursor.readUInt8())
            try Self.checkSizes(offsetSize, lengthSize, at: versionOffset)
            try cursor.skip(1 + 2 + 2)  // reserved, group leaf and internal node K
            consistencyFlags = try cursor.readUInt32()
            if version == 1 { try cursor.skip(4) }  // indexed storage internal node K, reserved
            // libhdf5 takes the superblock's own position as the base address whatever is
            // stored (H5F__super_read), which is what makes user blocks work.
            let relative = FormatContext(offsetSize: offsetSize, lengthSize: lengthSize, baseAddress: offset)
            try cursor.skip(offsetSize)  // stored base address
            try cursor.skip(offsetSize)  // free-space info address
            endOfFileAddress = try cursor.readAddress(relative)
            try cursor.skip(offsetSize)  // driver information block address
            // Root group symbol table entry: its object header address, and the B-tree and heap
            // addresses it may cache (kept as a guess only: the symbol table message rules).
            try cursor.skip(offsetSize)  // link name offset
            guard let root = try cursor.readAddress(relative) else {
                throw cursor.invalid("root group object header address is undefined")
            }
            rootObjectHeaderAddress = root
            if (try? cursor.readUInt32()) == 1, (try? cursor.skip(4)) != nil {
                rootCachedSymbolTable = try? SymbolTableMessage(parsing: &cursor, context: relative)
            } else {
                rootCachedSymbolTable = nil
            }
            extensionAddress = nil
            context = relative
        case 2, 3:
            let offsetSize = Int(try cursor.readUInt8())
            let lengthSize = Int(try cursor.readUInt8())
            try Self.checkSizes(offsetSize, lengthSize, at: versionOffset)
            consistencyFlags = UInt32(try cursor.readUInt8())
            let size = 8 + 4 + 4 * offsetSize + 4
            try Lookup3.verify(
                try view.bytes(at: offset, length: UInt64(size), structure: "superblock"),
                structure: "superblock", offset: offset)
            let relative = FormatContext(offsetSize: offsetSize, lengthSize: lengthSize, baseAddress: offset)
            try cursor.skip(offsetSize)  // stored base address; see above
            extensionAddress = try cursor.readAddress(relative)
            endOfFileAddress = try cursor.readAddress(relative)
            guard let root = try cursor.readAddress(relative) else {
                throw cursor.invalid("root group object header address is undefined")
            }
            rootObjectHeaderAddress = root
            rootCachedSymbolTable = nil
            context = relative
        default:
            throw HDF5Error.unknownVersion(structure: "superblock", offset: versionOffset, version: version)
        }
    }

    private static func checkSizes(_ offsetSize: Int, _ lengthSize: Int, at offset: UInt64) throws {
        for (name, size) in [("offsets", offsetSize), ("lengths", lengthSize)] where ![2, 4, 8].contains(size) {
            throw HDF5Error.invalid(
                structure: "superblock", offset: offset, reason: "size of \(name) is \(size), not 2, 4 or 8")
        }
    }
}
