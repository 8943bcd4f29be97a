import ByteKit
import Codecs
import Testing

/// Every filter decodes chunks that libhdf5 and its plugins wrote to the bytes libhdf5 reads back.
@Suite(.enabled(if: CodecFixture.available, "needs python3 with h5py and hdf5plugin"))
struct FilterDecodingTests {
    /// Decodes a fixture both into new storage and into a caller's buffer, and compares each with
    /// libhdf5's bytes.
    func expectDecodesLikeLibhdf5(_ name: String) throws {
        let fixture = try CodecFixture.named(name)
        let pipeline = fixture.pipeline
        let decoded = try pipeline.decode(fixture.stored, filterMask: fixture.description.filterMask)
        #expect(firstDifference(decoded.array, fixture.expected.array) == nil, "\(name), decoded into new storage")

        var destination = [UInt8](repeating: 0xee, count: fixture.description.chunkByteCount)
        try destination.withUnsafeMutableBytes { buffer in
            try pipeline.decode(fixture.stored, filterMask: fixture.description.filterMask, into: buffer)
        }
        #expect(firstDifference(destination, fixture.expected.array) == nil, "\(name), decoded into a buffer")

        let (partly, isShuffled) = try pipeline.decodeLeavingShuffle(fixture.stored, filterMask: fixture.description.filterMask)
        let elementSize = pipeline.elementSize
        let unshuffled =
            isShuffled
            ? (0..<partly.count).map { partly.array[($0 % elementSize) * (partly.count / elementSize) + $0 / elementSize] }
            : partly.array
        #expect(firstDifference(unshuffled, fixture.expected.array) == nil, "\(name), decoded leaving the shuffle")
    }

    /// Whether the pipeline leaves a fixture's shuffle to the caller.
    func leavesShuffle(_ name: String) throws -> Bool {
        let fixture = try CodecFixture.named(name)
        return try fixture.pipeline.decodeLeavingShuffle(fixture.stored, filterMask: fixture.description.filterMask).isShuffled
    }

    /// Where two byte arrays first differ ("count 10 vs 12", "byte 5: 0x01 vs 0x02"), or nil.
    func firstDifference(_ actual: [UInt8], _ expected: [UInt8]) -> String? {
        guard actual.count == expected.count else { return "count \(actual.count) vs \(expected.count)" }
        guard let index = actual.indices.first(where: { actual[$0] != expected[$0] }) else { return nil }
        return "byte \(index): \(actual[index]) vs \(expected[index])"
    }

    @Test("deflate at levels 1, 6 and 9", arguments: ["deflate-1", "deflate-6", "deflate-9"])
    func deflate(_ name: String) throws { try expectDecodesLikeLibhdf5(name) }

    @Test(
        "shuffle then deflate, element sizes 1 to 8, a 37-element chunk",
        arguments: [
            "shuffle-deflate-u1", "shuffle-deflate-lei2", "shuffle-deflate-lei4", "shuffle-deflate-lef8",
            "shuffle-deflate-bei4", "shuffle-only-f4",
        ])
    func shuffle(_ name: String) throws {
        try expectDecodesLikeLibhdf5(name)
        // One-byte elements have nothing to interleave.
        #expect(try leavesShuffle(name) == (name != "shuffle-deflate-u1"))
    }

    @Test("shuffle leaves the bytes past the last whole element in place")
    func shuffleRemainder() throws {
        // Fletcher32 runs first, so shuffle sees 7 elements of 8 bytes plus the 4-byte checksum.
        try expectDecodesLikeLibhdf5("fletcher32-then-shuffle")
        // Shuffle is not the last filter undone there.
        #expect(try !leavesShuffle("fletcher32-then-shuffle"))
    }

    @Test(
        "fletcher32 alone on an odd byte count, and after shuffle and deflate",
        arguments: ["fletcher32-i1-odd", "fletcher32-shuffle-deflate"])
    func fletcher32(_ name: String) throws {
        try expectDecodesLikeLibhdf5(name)
        #expect(try leavesShuffle(name) == (name == "fletcher32-shuffle-deflate"))
    }

    @Test(
        "scale-offset on integers: computed and given minbits, fill values, big-endian, full precision",
        arguments: [
            "scaleoffset-i2-auto", "scaleoffset-u1-nofill", "scaleoffset-i4-fill", "scaleoffset-be-i4",
            "scaleoffset-i8-12bits", "scaleoffset-i4-full", "scaleoffset-constant",
        ])
    func scaleOffsetIntegers(_ name: String) throws { try expectDecodesLikeLibhdf5(name) }

    @Test(
        "scale-offset on floating-point values (D-scale), with a fill value, big-endian after deflate",
        arguments: ["scaleoffset-f4-d2", "scaleoffset-f8-d3", "scaleoffset-f8-fill", "scaleoffset-deflate-be-f4"])
    func scaleOffsetFloatingPoint(_ name: String) throws { try expectDecodesLikeLibhdf5(name) }

    @Test(
        "n-bit on reduced-precision integers, a compound with an array member, and full precision",
        arguments: ["nbit-i32-12bits-offset2", "nbit-u16be-10bits-offset3", "nbit-compound", "nbit-full-precision"])
    func nbit(_ name: String) throws { try expectDecodesLikeLibhdf5(name) }

    @Test(
        "LZF, after shuffle, and stored unfiltered when incompressible",
        arguments: ["lzf", "lzf-shuffle-f8", "lzf-incompressible"])
    func lzf(_ name: String) throws { try expectDecodesLikeLibhdf5(name) }

    @Test("Zstandard at levels 1 and 10", arguments: ["zstd-1", "zstd-10"])
    func zstd(_ name: String) throws { try expectDecodesLikeLibhdf5(name) }

    @Test("LZ4 in one block, and in 1 KiB blocks some of which are stored raw", arguments: ["lz4", "lz4-blocks"])
    func lz4(_ name: String) throws { try expectDecodesLikeLibhdf5(name) }

    @Test(
        "Blosc with LZ4, Zstandard, BloscLZ and zlib inside, shuffled, bitshuffled or not",
        arguments: ["blosc-lz4-shuffle", "blosc-zstd-bitshuffle", "blosc-blosclz-noshuffle", "blosc-zlib-shuffle"])
    func blosc(_ name: String) throws { try expectDecodesLikeLibhdf5(name) }

    @Test(
        "bitshuffle alone and with LZ4 or Zstandard, default and 256-element blocks, trailing elements",
        arguments: [
            "bitshuffle-none-i2", "bitshuffle-lz4-i2", "bitshuffle-zstd-i2", "bitshuffle-none-f8-blocks",
            "bitshuffle-lz4-f8-blocks", "bitshuffle-zstd-f8-blocks", "bitshuffle-u1",
        ])
    func bitshuffle(_ name: String) throws { try expectDecodesLikeLibhdf5(name) }

    @Test(
        "szip (libaec): nearest neighbour and entropy coding, 32-bit interleaving, scanline padding",
        arguments: ["szip-nn-i2", "szip-ec-i4", "szip-nn-f4-padded", "szip-be-u2"])
    func szip(_ name: String) throws { try expectDecodesLikeLibhdf5(name) }

    @Test("a corrupted byte fails the fletcher32 checksum, naming both values")
    func fletcher32DetectsCorruption() throws {
        let fixture = try CodecFixture.named("fletcher32-i1-odd")
        var bytes = fixture.stored.array
        bytes[5] ^= 0x10
        let error = try #require(throws: CodecError.self) {
            try fixture.pipeline.decode(Bytes(bytes), filterMask: 0)
        }
        guard case .checksumMismatch(.fletcher32, let stored, let computed) = error else {
            Issue.record("expected a checksum mismatch, got \(error)")
            return
        }
        #expect(stored != computed)
        #expect(error.description.contains("fletcher32 (filter 3): checksum mismatch: stored 0x"))
    }

    @Test("fletcher32 accepts the checksum byte order of libhdf5 before 1.6.3")
    func fletcher32AcceptsHistoricalByteOrder() throws {
        let fixture = try CodecFixture.named("fletcher32-i1-odd")
        var bytes = fixture.stored.array
        let checksumStart = bytes.count - 4
        bytes.swapAt(checksumStart, checksumStart + 1)
        bytes.swapAt(checksumStart + 2, checksumStart + 3)
        #expect(try fixture.pipeline.decode(Bytes(bytes), filterMask: 0) == fixture.expected)
    }

    @Test("the fletcher32 checksum matches libhdf5's on even and odd lengths")
    func fletcher32Checksum() {
        // H5_checksum_fletcher32 of "abcde" and "abcdef" (big-endian 16-bit words, odd byte high).
        let odd = Array("abcde".utf8).withUnsafeBytes { Fletcher32Codec.checksum($0) }
        let even = Array("abcdef".utf8).withUnsafeBytes { Fletcher32Codec.checksum($0) }
        #expect(odd == 0x4FF0_29C7)
        #expect(even == 0x5056_2A2D)
    }
}
