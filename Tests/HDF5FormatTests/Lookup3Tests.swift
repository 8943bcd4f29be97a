import ByteKit
import Testing

@testable import HDF5Format

@Suite struct Lookup3Tests {
    // Test vectors published with lookup3.c (driver5).
    @Test func emptyInputHashesToTheSeedConstant() {
        #expect(Lookup3.hash(Bytes([])) == 0xdead_beef)
    }

    @Test func publishedVectorsMatch() {
        let text = Bytes(Array("Four score and seven years ago".utf8))
        #expect(Lookup3.hash(text, initialValue: 0) == 0x1777_0551)
        #expect(Lookup3.hash(text, initialValue: 1) == 0xcd62_8161)
    }

    @Test func verifyRejectsAFlippedByte() throws {
        var structure = Array("OHDR some header bytes".utf8)
        let checksum = Lookup3.hash(Bytes(structure))
        structure += withUnsafeBytes(of: checksum.littleEndian) { Array($0) }
        try Lookup3.verify(Bytes(structure), structure: "test", offset: 0)
        structure[3] ^= 0x10
        #expect(throws: HDF5Error.self) { try Lookup3.verify(Bytes(structure), structure: "test", offset: 0) }
    }
}
