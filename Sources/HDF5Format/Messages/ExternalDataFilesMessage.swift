/// The files outside the HDF5 file that hold a contiguous dataset's raw data, one segment per
/// file, in order (HDF5 File Format Specification 4.0, IV.A.2.h, Data Storage - External Data
/// Files Message). The file names are strings in a local heap; this message holds their offsets.
///
/// ```text
/// version                1   1
/// reserved               3
/// allocated slots        2
/// used slots             2   at most the allocated slots
/// heap address           O   the local heap holding the file names
/// slot definitions, one per used slot:
///   name offset in local heap  L
///   offset in external file    L   where the segment starts in that file
///   data size                  L   bytes of the segment; all ones for "unlimited"
/// ```
public struct ExternalDataFilesMessage: Sendable, Equatable {
    /// Address of the local heap holding the file names; nil when undefined.
    public let heapAddress: UInt64?
    /// The number of slots allocated (at least `slots.count`).
    public let allocatedSlots: Int
    /// The used slots, in the order their segments make up the dataset's data.
    public let slots: [Slot]

    /// One segment of the data in an external file.
    public struct Slot: Sendable, Equatable {
        /// Offset of the file name in the local heap's data segment.
        public let nameOffset: UInt64
        /// Byte offset of the segment in the external file.
        public let fileOffset: UInt64
        /// Bytes in the segment; nil when unlimited (the segment runs to the end of the data).
        public let size: UInt64?

        public init(nameOffset: UInt64, fileOffset: UInt64, size: UInt64?) {
            self.nameOffset = nameOffset
            self.fileOffset = fileOffset
            self.size = size
        }
    }

    public init(parsing cursor: inout ByteCursor, context: FormatContext) throws {
        _ = try cursor.readVersion(1...1)
        try cursor.skip(3)
        allocatedSlots = Int(try cursor.readUInt16())
        let usedSlots = Int(try cursor.readUInt16())
        guard usedSlots <= allocatedSlots else {
            throw cursor.invalid("\(usedSlots) used slots, more than the \(allocatedSlots) allocated")
        }
        heapAddress = try cursor.readAddress(context)
        try cursor.require(usedSlots * 3 * context.lengthSize)
        let unlimited = allOnes(width: context.lengthSize)
        var slots: [Slot] = []
        slots.reserveCapacity(usedSlots)
        for _ in 0..<usedSlots {
            let nameOffset = try cursor.readLength(context)
            let fileOffset = try cursor.readLength(context)
            let size = try cursor.readLength(context)
            slots.append(Slot(nameOffset: nameOffset, fileOffset: fileOffset, size: size == unlimited ? nil : size))
        }
        self.slots = slots
    }
}
