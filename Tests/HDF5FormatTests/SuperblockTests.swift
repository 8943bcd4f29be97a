import ByteKit
import Foundation
import Testing

@testable import HDF5Format

@Suite struct SuperblockTests {
    func view(_ path: String) throws -> FileView {
        FileView(wholeFile: Bytes([UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))))
    }

    @Test(arguments: ["userblock_earliest.h5", "userblock_latest.h5"])
    func superblockAfterAUserBlockIsFoundAndAddressesCountFromIt(name: String) throws {
        let superblock = try Superblock.find(in: try view("TestData/fixtures/" + name))
        #expect(superblock.offset == 512)
        #expect(superblock.context.baseAddress == 512)
        #expect(superblock.rootObjectHeaderAddress > 512)
    }

    @Test func everyVersionDecodes() throws {
        let versions = try ["sample.nwb", "sample_latest.nwb"].map {
            try Superblock.find(in: try view("TestData/fixtures/" + $0)).version
        }
        #expect(versions[0] == 0)
        #expect(versions[1] >= 2)
    }

    @Test func versionTwoChecksumIsVerified() throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "TestData/fixtures/sample_latest.nwb")))
        bytes[20] ^= 0x40  // inside the base address field
        #expect {
            try Superblock.find(in: FileView(wholeFile: Bytes(bytes)))
        } throws: { error in
            guard case HDF5Error.badChecksum(let structure, _, _, _) = error else { return false }
            return structure == "superblock"
        }
    }

    @Test func aFileWithoutSignatureSaysSo() throws {
        let bytes = [UInt8](repeating: 0x41, count: 5000)
        #expect {
            try Superblock.find(in: FileView(wholeFile: Bytes(bytes)))
        } throws: { error in
            guard case HDF5Error.badSignature = error else { return false }
            return true
        }
    }

    @Test func candidateOffsetsDoubleFrom512() {
        #expect(Superblock.candidateOffsets(fileSize: 5000) == [0, 512, 1024, 2048, 4096])
    }
}
