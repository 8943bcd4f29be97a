import ByteKit
import Testing

@testable import HDF5Format

@Suite struct ObjectHeaderTests {
    let context = FormatContext(offsetSize: 8, lengthSize: 8, baseAddress: 0)

    /// A version 1 header at address 0 whose only message is `message` (type, flags, body).
    func versionOneHeader(type: UInt16, flags: UInt8, body: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [1, 0, 1, 0, 1, 0, 0, 0]  // version, reserved, 1 message, reference count
        bytes += le32(UInt32(8 + body.count)) + [0, 0, 0, 0]
        bytes += le16(type) + le16(UInt16(body.count)) + [flags, 0, 0, 0] + body
        return bytes
    }

    func le16(_ value: UInt16) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    func le32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    func le64(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

    @Test func continuationBlockPointingAtItselfIsACycleNotAHang() throws {
        // The message block starts at 16 and is 24 bytes long; the continuation names it again.
        let bytes = versionOneHeader(type: 0x0010, flags: 0, body: le64(16) + le64(24))
        let view = FileView(wholeFile: Bytes(bytes))
        #expect(throws: HDF5Error.cycle(structure: "object header v1", offset: 16)) {
            try ObjectHeader.read(view: view, address: 0, context: context)
        }
    }

    @Test func unknownMessageMarkedMustUnderstandIsUnsupported() throws {
        let bytes = versionOneHeader(type: 0x00F0, flags: 0x80, body: [UInt8](repeating: 0, count: 8))
        let view = FileView(wholeFile: Bytes(bytes))
        #expect {
            try ObjectHeader.read(view: view, address: 0, context: context)
        } throws: { error in
            guard case HDF5Error.unsupported(let feature, _, _) = error else { return false }
            return feature.contains("240")
        }
    }

    @Test func unknownMessageNotMarkedIsKept() throws {
        let bytes = versionOneHeader(type: 0x00F0, flags: 0, body: [UInt8](repeating: 7, count: 8))
        let header = try ObjectHeader.read(view: FileView(wholeFile: Bytes(bytes)), address: 0, context: context)
        #expect(header.messages.count == 1)
        #expect(header.messages[0].typeNumber == 0x00F0)
        #expect(header.messages[0].body.array == [UInt8](repeating: 7, count: 8))
    }

    @Test func messageLongerThanItsBlockIsTruncated() throws {
        var bytes = versionOneHeader(type: 0x000D, flags: 0, body: Array("comment\0".utf8))
        bytes[18] = 200  // the message claims 200 bytes in a 16-byte block
        #expect {
            try ObjectHeader.read(view: FileView(wholeFile: Bytes(bytes)), address: 0, context: context)
        } throws: { error in
            guard case HDF5Error.truncated = error else { return false }
            return true
        }
    }

    @Test func versionTwoHeaderChecksumIsVerified() throws {
        // "OHDR", version 2, flags 0 (1-byte chunk size), chunk of one 4-byte-header Nil message.
        var bytes = Array("OHDR".utf8) + [2, 0, 8] + [0, 4, 0, 0, 0, 0, 0, 0]
        bytes += le32(Lookup3.hash(Bytes(bytes)))
        let header = try ObjectHeader.read(view: FileView(wholeFile: Bytes(bytes)), address: 0, context: context)
        #expect(header.version == 2)
        #expect(header.messages.isEmpty)
        bytes[9] ^= 0x01
        #expect {
            try ObjectHeader.read(view: FileView(wholeFile: Bytes(bytes)), address: 0, context: context)
        } throws: { error in
            guard case HDF5Error.badChecksum = error else { return false }
            return true
        }
    }

    @Test func missingBytesAreAskedForNotInvented() throws {
        let bytes = versionOneHeader(type: 0x000D, flags: 0, body: Array("comment\0".utf8))
        var view = FileView(fileSize: UInt64(bytes.count))
        view.insert(Bytes(Array(bytes[..<16])), at: 0)
        #expect(throws: BytesNeeded(range: ByteRange(offset: 16, length: 16))) {
            try ObjectHeader.read(view: view, address: 0, context: context)
        }
    }
}
