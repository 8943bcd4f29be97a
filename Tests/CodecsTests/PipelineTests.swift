import ByteKit
import CZlib
import Codecs
import Testing

/// zlib's `compress2` of `bytes`, as libhdf5's deflate filter writes a chunk.
func zlibCompressed(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
    var compressedCount = compressBound(uLong(bytes.count))
    var compressed = [UInt8](repeating: 0, count: Int(compressedCount))
    let status = compress2(&compressed, &compressedCount, bytes, uLong(bytes.count), level)
    precondition(status == Z_OK, "compress2 failed: \(status)")
    return Array(compressed.prefix(Int(compressedCount)))
}

/// Bytes whose value is their position (mod 251), so that a misplaced byte cannot go unnoticed.
func positionKeyed(_ count: Int) -> [UInt8] {
    (0..<count).map { UInt8($0 % 251) }
}

@Suite struct PipelineTests {
    @Test("filters are undone in reverse order: deflate first, then shuffle")
    func reverseOrder() throws {
        let data = positionKeyed(400)
        // Shuffle 4-byte elements by hand, then deflate.
        let shuffled = (0..<4).flatMap { byteIndex in stride(from: byteIndex, to: 400, by: 4).map { data[$0] } }
        let pipeline = CodecPipeline(
            filters: [(2, [4], false), (1, [6], false)], elementSize: 4, chunkByteCount: 400)
        #expect(try pipeline.decode(Bytes(zlibCompressed(shuffled)), filterMask: 0).array == data)
    }

    @Test("a filter whose bit is set in the chunk's filter mask is not undone")
    func skippedFilter() throws {
        let data = positionKeyed(400)
        let pipeline = CodecPipeline(
            filters: [(2, [4], false), (1, [6], false)], elementSize: 4, chunkByteCount: 400)
        // Bit 0: shuffle was skipped when this chunk was written.
        #expect(try pipeline.decode(Bytes(zlibCompressed(data)), filterMask: 0b01).array == data)
        // Both skipped: the chunk is stored as it is.
        #expect(try pipeline.decode(Bytes(data), filterMask: 0b11).array == data)
    }

    @Test("an unknown filter fails only the chunks it filtered, with a message naming its id")
    func unsupportedFilter() throws {
        let data = positionKeyed(100)
        let pipeline = CodecPipeline(
            filters: [(1, [6], false), (32_013, [], true)], elementSize: 1, chunkByteCount: 100)
        let compressed = Bytes(zlibCompressed(data))
        #expect(try pipeline.decode(compressed, filterMask: 0b10).array == data)
        let error = try #require(throws: CodecError.self) { try pipeline.decode(compressed, filterMask: 0) }
        #expect(error == .unsupportedFilter(id: 32_013))
        #expect(error.description.contains("filter 32013 is not supported"))
    }

    @Test("client data that a filter cannot use is reported when a chunk needs the filter")
    func invalidParameters() throws {
        let cases: [(id: UInt16, clientData: [UInt32])] = [
            (2, [4, 4]),  // shuffle: one value only
            (6, [2, 0, 10]),  // scale-offset: 20 values
            (5, [9, 0, 1, 1, 4, 0, 12, 0]),  // n-bit: the first value must count the values
            (5, [8, 0, 10, 1, 4, 0, 40, 0]),  // n-bit: 40 bits of precision in 4 bytes
            (4, [141, 0, 16, 100]),  // szip: 0 pixels per block
            (32008, [0, 4, 2, 12, 2]),  // bitshuffle: a block size not a multiple of 8
        ]
        for (id, clientData) in cases {
            let pipeline = CodecPipeline(filters: [(id, clientData, false)], elementSize: 4, chunkByteCount: 40)
            #expect(throws: CodecError.self, "filter \(id) with \(clientData)") {
                try pipeline.decode(Bytes(positionKeyed(40)), filterMask: 0)
            }
            #expect(throws: Never.self, "filter \(id) skipped") {
                try pipeline.decode(Bytes(positionKeyed(40)), filterMask: 1)
            }
        }
    }

    @Test("a chunk stored unfiltered must have the chunk's size")
    func unfilteredSize() throws {
        let pipeline = CodecPipeline(filters: [(32000, [4, 261, 64], true)], elementSize: 1, chunkByteCount: 64)
        #expect(throws: CodecError.storedSizeMismatch(expected: 64, found: 60)) {
            try pipeline.decode(Bytes(positionKeyed(60)), filterMask: 1)
        }
    }

    @Test("a stream that decodes to fewer bytes than the chunk is a size mismatch")
    func underrun() throws {
        let pipeline = CodecPipeline(filters: [(1, [6], false)], elementSize: 1, chunkByteCount: 4096)
        #expect(throws: CodecError.sizeMismatch(filter: .deflate, expected: 4096, found: 1000)) {
            try pipeline.decode(Bytes(zlibCompressed(positionKeyed(1000))), filterMask: 0)
        }
    }

    @Test("fletcher32 after deflate returns the verified bytes without a copy of its own")
    func fletcher32AfterDeflate() throws {
        let data = positionKeyed(333)
        let checksum = data.withUnsafeBytes { Fletcher32Codec.checksum($0) }
        let withChecksum = data + (0..<4).map { UInt8(truncatingIfNeeded: checksum >> (8 * $0)) }
        // Written as [fletcher32, deflate]: deflate's output is the data plus its checksum.
        let pipeline = CodecPipeline(filters: [(3, [], false), (1, [6], false)], elementSize: 1, chunkByteCount: 333)
        #expect(try pipeline.decode(Bytes(zlibCompressed(withChecksum)), filterMask: 0).array == data)
    }
}
