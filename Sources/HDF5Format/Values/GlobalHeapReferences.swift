import ByteKit

/// The global heap collections that raw elements point into through variable-length data
/// (HDF5 File Format Specification 4.0, IV.A.2.d, "Variable-Length": a 4-byte length, then a
/// global heap ID, the collection's address and the object's index; III.E for the collections).
///
/// Found from the elements' bytes alone, so a reader can fetch every collection a slice needs in
/// one batch before `ValueDecoder` runs, instead of meeting them one at a time. A best effort:
/// elements too short to hold an ID are skipped (decoding them reports the error), and the heap
/// objects' own contents (vlen of vlen) are not followed.
public enum GlobalHeapReferences {
    /// The distinct collection addresses that `count` elements of `datatype` at the start of
    /// `data` refer to, in order of first appearance.
    public static func collectionAddresses(
        in data: Bytes, datatype: Datatype, count: Int, context: FormatContext
    ) -> [UInt64] {
        let size = Int(datatype.size)
        // The element must be in `data`: that bounds the offsets below by the bytes at hand.
        guard size > 0, size <= data.count, count > 0 else { return [] }
        let paths = variableLengthOffsets(in: datatype, depth: 0).filter { $0 >= 0 && $0 < size }
        // A variable-length element: a 4-byte length, the collection's address, a 4-byte index.
        let elementWidth = 8 + context.offsetSize
        var seen: Set<UInt64> = []
        var addresses: [UInt64] = []
        for index in 0..<min(count, data.count / size) {
            for offset in paths {
                let start = index * size + offset
                guard start + elementWidth <= data.count,
                    let address = data.littleEndianInteger(at: start + 4, width: context.offsetSize),
                    address != 0, address != allOnes(width: context.offsetSize)
                else { continue }
                let (absolute, overflow) = address.addingReportingOverflow(context.baseAddress)
                if !overflow, seen.insert(absolute).inserted { addresses.append(absolute) }
            }
        }
        return addresses
    }

    /// Byte offsets, within one element of `datatype`, of each variable-length element it holds:
    /// itself, compound members and array items, nested. Bounded like the datatype's own nesting.
    static func variableLengthOffsets(in datatype: Datatype, depth: Int) -> [Int] {
        guard depth <= Limits.datatypeDepth else { return [] }
        switch datatype.kind {
        case .variableLength:
            return [0]
        case .compound(let compound):
            return compound.members.flatMap { member in
                variableLengthOffsets(in: member.datatype, depth: depth + 1).map { Int(member.byteOffset) + $0 }
            }
        case .array(let array):
            let inner = variableLengthOffsets(in: array.base, depth: depth + 1)
            guard !inner.isEmpty, let count = array.elementCount, count <= UInt64(Limits.attributeElements) else {
                return []
            }
            let stride = Int(array.base.size)
            // The items must fit in the array's own size (a malformed count is decoded as an error later).
            guard stride > 0, count <= UInt64(datatype.size) / UInt64(stride) else { return [] }
            return (0..<Int(count)).flatMap { item in inner.map { item * stride + $0 } }
        case .enumeration, .fixedPoint, .floatingPoint, .time, .string, .bitfield, .opaque, .reference, .complex:
            return []
        }
    }
}
