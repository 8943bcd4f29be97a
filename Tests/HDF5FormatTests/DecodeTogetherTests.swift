import ByteKit
import HDF5Format
import Testing

/// `decodeTogether` asks for what both decoders need in one `BytesNeeded`, and fails as running
/// them one after the other would.
@Suite struct DecodeTogetherTests {
    static let view = FileView(fileSize: 1000)
    static let first = ByteRange(offset: 10, length: 4)
    static let second = ByteRange(offset: 500, length: 8)

    static func needing(_ range: ByteRange) throws -> Int {
        _ = try view.bytes(at: range.offset, length: range.length, structure: "test")
        return 0
    }

    @Test func bothMissingAreAskedForTogether() {
        #expect(throws: BytesNeeded(ranges: [Self.first, Self.second])) {
            try decodeTogether({ try Self.needing(Self.first) }, { try Self.needing(Self.second) })
        }
    }

    @Test func theFirstDecodersErrorComesFirst() {
        #expect(throws: HDF5Error.truncated(structure: "test", offset: 996, needed: 8, available: 4)) {
            try decodeTogether({ try Self.needing(ByteRange(offset: 996, length: 8)) }, { try Self.needing(Self.second) })
        }
    }

    @Test func aSecondDecoderThatFailsWaitsForTheFirstsBytes() {
        #expect(throws: BytesNeeded(range: Self.first)) {
            try decodeTogether(
                { try Self.needing(Self.first) }, { try Self.needing(ByteRange(offset: 996, length: 8)) })
        }
    }

    @Test func bothResultsWhenNothingIsMissing() throws {
        let whole = FileView(wholeFile: Bytes([UInt8](repeating: 1, count: 16)))
        let (a, b) = try decodeTogether(
            { try whole.bytes(at: 0, length: 2, structure: "a").count },
            { try whole.bytes(at: 4, length: 8, structure: "b").count })
        #expect(a == 2 && b == 8)
    }
}

/// `decodeEach` asks for what all its items need in one `BytesNeeded`, and fails as running them
/// in order would.
@Suite struct DecodeEachTests {
    static let ranges = [ByteRange(offset: 10, length: 4), ByteRange(offset: 500, length: 8), ByteRange(offset: 900, length: 1)]
    static let tooLong = ByteRange(offset: 996, length: 8)

    @Test func everyMissingRangeIsAskedForAtOnce() {
        #expect(throws: BytesNeeded(ranges: Self.ranges)) {
            try decodeEach(Self.ranges) { try DecodeTogetherTests.needing($0) }
        }
    }

    @Test func anErrorWithNothingMissingBeforeItIsThrown() {
        #expect(throws: HDF5Error.truncated(structure: "test", offset: 996, needed: 8, available: 4)) {
            try decodeEach([Self.tooLong] + Self.ranges) { try DecodeTogetherTests.needing($0) }
        }
    }

    @Test func anErrorAfterMissingBytesWaitsForThem() {
        // The items before it may fail otherwise once their bytes are in; those after it are not
        // asked for yet.
        #expect(throws: BytesNeeded(ranges: Array(Self.ranges.prefix(2)))) {
            try decodeEach(Array(Self.ranges.prefix(2)) + [Self.tooLong, Self.ranges[2]]) {
                try DecodeTogetherTests.needing($0)
            }
        }
    }

    @Test func resultsInOrderWhenNothingIsMissing() throws {
        let whole = FileView(wholeFile: Bytes([UInt8](repeating: 1, count: 16)))
        let counts = try decodeEach([3, 1, 2]) { try whole.bytes(at: 0, length: UInt64($0), structure: "item").count }
        #expect(counts == [3, 1, 2])
    }
}
