import ByteKit
import Testing

@testable import HDF5Format

@Suite struct SymbolTableNodeTests {
    static let context = FormatContext(offsetSize: 8, lengthSize: 8, baseAddress: 0)

    static func entry(nameOffset: UInt64, header: UInt64, cacheType: UInt32, scratch: [UInt8]) -> [UInt8] {
        withUnsafeBytes(of: nameOffset.littleEndian) { Array($0) }
            + withUnsafeBytes(of: header.littleEndian) { Array($0) }
            + withUnsafeBytes(of: cacheType.littleEndian) { Array($0) } + [0, 0, 0, 0]
            + scratch + [UInt8](repeating: 0, count: 16 - scratch.count)
    }

    @Test func eachCacheTypeDecodesItsScratchPad() throws {
        let bytes =
            Self.entry(nameOffset: 8, header: 96, cacheType: 0, scratch: [])
            + Self.entry(
                nameOffset: 16, header: 200, cacheType: 1, scratch: [0x10] + [UInt8](repeating: 0, count: 7) + [0x20])
            + Self.entry(nameOffset: 24, header: .max, cacheType: 2, scratch: [5, 0, 0, 0])
        var cursor = ByteCursor(bytes: Bytes(bytes), baseOffset: 0, structure: "test")
        let plain = try SymbolTableEntry(parsing: &cursor, context: Self.context)
        let group = try SymbolTableEntry(parsing: &cursor, context: Self.context)
        let link = try SymbolTableEntry(parsing: &cursor, context: Self.context)
        #expect(cursor.isAtEnd)
        #expect(plain == SymbolTableEntry(linkNameOffset: 8, objectHeaderAddress: 96, scratchPad: .nothing))
        #expect(group.scratchPad == .symbolTable(bTreeAddress: 0x10, localHeapAddress: 0x20))
        #expect(
            link
                == SymbolTableEntry(
                    linkNameOffset: 24, objectHeaderAddress: nil, scratchPad: .symbolicLink(linkValueOffset: 5)))
    }

    @Test func anUnknownCacheTypeIsRejected() throws {
        var cursor = ByteCursor(
            bytes: Bytes(Self.entry(nameOffset: 0, header: 0, cacheType: 3, scratch: [])), baseOffset: 0,
            structure: "test")
        #expect(throws: HDF5Error.invalid(structure: "test", offset: 0, reason: "unknown cache type 3")) {
            try SymbolTableEntry(parsing: &cursor, context: Self.context)
        }
    }

    @Test func addressesAreMadeAbsoluteByTheBaseAddress() throws {
        let context = FormatContext(offsetSize: 4, lengthSize: 4, baseAddress: 512)
        let bytes: [UInt8] =
            [8, 0, 0, 0, 96, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
            + [0x10, 0, 0, 0, 0x20, 0, 0, 0] + [UInt8](repeating: 0, count: 8)
        var cursor = ByteCursor(bytes: Bytes(bytes), baseOffset: 0, structure: "test")
        let entry = try SymbolTableEntry(parsing: &cursor, context: context)
        #expect(cursor.isAtEnd)
        #expect(entry.objectHeaderAddress == 608)
        #expect(entry.scratchPad == .symbolTable(bTreeAddress: 528, localHeapAddress: 544))
    }

    @Test func aNodeHoldsOnlyItsUsedEntries() throws {
        var bytes = Array("SNOD".utf8) + [1, 0, 2, 0]
        bytes += Self.entry(nameOffset: 8, header: 96, cacheType: 0, scratch: [])
        bytes += Self.entry(nameOffset: 16, header: 128, cacheType: 0, scratch: [])
        bytes += [UInt8](repeating: 0, count: 80)  // unused room
        let node = try SymbolTableNode.read(view: StructureFixtures.view(bytes), address: 0, context: Self.context)
        #expect(node.entries.map(\.linkNameOffset) == [8, 16])
        bytes[4] = 2
        #expect(throws: HDF5Error.unknownVersion(structure: "symbol table node", offset: 0, version: 2)) {
            try SymbolTableNode.read(view: StructureFixtures.view(bytes), address: 0, context: Self.context)
        }
    }

    @Test func aNodeClaimingMoreEntriesThanTheFileHoldsIsTruncated() throws {
        let bytes =
            Array("SNOD".utf8) + [1, 0, 0xff, 0xff] + Self.entry(nameOffset: 8, header: 96, cacheType: 0, scratch: [])
        #expect(throws: HDF5Error.self) {
            try SymbolTableNode.read(view: StructureFixtures.view(bytes), address: 0, context: Self.context)
        }
    }
}
