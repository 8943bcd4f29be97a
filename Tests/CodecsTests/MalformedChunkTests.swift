import ByteKit
import CZstd
import Codecs
import TestSupport
import Testing


/// Decodes `input` with `codec` into a buffer of `limit` bytes, and records an issue unless it
/// either succeeds within the buffer or throws a `CodecError`.
func expectCodecErrorOrSuccess(
    _ codec: any Codec, _ input: [UInt8], limit: Int, _ comment: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    var output = [UInt8](repeating: 0, count: limit)
    do {
        let written = try output.withUnsafeMutableBytes { try codec.decode(Bytes(input), into: $0) }
        #expect(written <= limit, "\(comment)", sourceLocation: sourceLocation)
    } catch is CodecError {
    } catch {
        Issue.record("\(comment): \(error) is not a CodecError", sourceLocation: sourceLocation)
    }
}

/// Every codec, with client data as its writer would store it for 2-byte elements.
let everyCodec: [(name: String, codec: any Codec)] = {
    let configurations: [(UInt16, [UInt32])] = [
        (1, [6]), (2, [2]), (3, []), (4, [141, 16, 16, 64]), (5, [8, 0, 64, 1, 2, 0, 12, 2]),
        (6, [2, 0, 64, 0, 2, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        (6, [0, 2, 32, 1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        (32000, [4, 261, 128]), (32001, [2, 2, 2, 128, 5, 1, 1]), (32004, [0]), (32004, [16]),
        (32008, [0, 4, 2, 0, 0]), (32008, [0, 4, 2, 0, 2]), (32008, [0, 4, 2, 16, 3, 3]), (32015, [3]),
    ]
    return configurations.compactMap { id, clientData in
        guard let codec = try? CodecPipeline.makeCodec(id: id, clientData: clientData, elementSize: 2) else {
            return nil
        }
        return ("\(codec.filter) \(clientData)", codec)
    }
}()

@Suite struct MalformedChunkTests {
    @Test("every codec is built from its writer's client data")
    func everyCodecBuilds() {
        #expect(everyCodec.count == 15)
    }

    @Test("random bytes into every codec give a CodecError or bytes within the limit, never a trap")
    func randomBytes() {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("MalformedChunkTests.randomBytes seed \(seed)")
        var generator = SplitMix64(seed: seed)
        for (name, codec) in everyCodec {
            for round in 0..<300 {
                let count = Int.random(in: 0...200, using: &generator)
                var input = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
                // Half the inputs start with a plausible header: a small declared size.
                if round % 2 == 0, count >= 12 {
                    input.replaceSubrange(0..<12, with: [0, 0, 0, 0, 0, 0, 0, 128, 0, 0, 0, 16])
                }
                expectCodecErrorOrSuccess(codec, input, limit: 128, "\(name), seed \(seed), round \(round)")
            }
        }
    }

    @Test("random client data gives a CodecError or a codec that decodes random bytes safely")
    func randomClientData() {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("MalformedChunkTests.randomClientData seed \(seed)")
        var generator = SplitMix64(seed: seed)
        // Small values make plausible parameters; the extremes probe the arithmetic.
        let interesting: [UInt32] = [0, 1, 2, 3, 4, 7, 8, 12, 16, 31, 32, 33, 64, 128, 255, 4096, 1 << 31, .max]
        for id in KnownFilter.allCases.map(\.rawValue) {
            for round in 0..<400 {
                let count = Int.random(in: 0...24, using: &generator)
                let clientData = (0..<count).map { index -> UInt32 in
                    // n-bit's first value counts the values; keep it right half the time.
                    if id == 5, index == 0, round % 2 == 0 { return UInt32(count) }
                    return interesting.randomElement(using: &generator) ?? 0
                }
                let codec: any Codec
                do {
                    codec = try CodecPipeline.makeCodec(id: id, clientData: clientData, elementSize: 4)
                } catch is CodecError {
                    continue
                } catch {
                    Issue.record("filter \(id) with \(clientData), seed \(seed): \(error) is not a CodecError")
                    continue
                }
                let input = (0..<Int.random(in: 0...96, using: &generator)).map { _ in
                    UInt8.random(in: 0...255, using: &generator)
                }
                expectCodecErrorOrSuccess(codec, input, limit: 256, "filter \(id) with \(clientData), seed \(seed)")
            }
        }
    }

    @Test(
        "truncated chunks from libhdf5 fail with a CodecError unless the cut bytes were not needed",
        .enabled(if: CodecFixture.available))
    func truncatedChunks() throws {
        for fixture in try #require(CodecFixture.all).values {
            let stored = fixture.stored.array
            let pipeline = fixture.pipeline
            let cuts = Set([0, 1, 4, 12, 21, stored.count / 2, stored.count - 4, stored.count - 1])
            for cut in cuts where cut >= 0 && cut < stored.count {
                do {
                    let decoded = try pipeline.decode(
                        Bytes(Array(stored.prefix(cut))), filterMask: fixture.description.filterMask)
                    #expect(decoded == fixture.expected, "\(fixture.description.name) cut to \(cut) bytes")
                } catch is CodecError {
                } catch {
                    Issue.record("\(fixture.description.name) cut to \(cut) bytes: \(error) is not a CodecError")
                }
            }
        }
    }

    @Test("flipped bytes in chunks from libhdf5 give a CodecError or some decoding, never a trap",
          .enabled(if: CodecFixture.available))
    func flippedBytes() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("MalformedChunkTests.flippedBytes seed \(seed)")
        var generator = SplitMix64(seed: seed)
        for fixture in try #require(CodecFixture.all).values where !fixture.stored.array.isEmpty {
            for _ in 0..<20 {
                var stored = fixture.stored.array
                let index = Int.random(in: 0..<stored.count, using: &generator)
                stored[index] ^= UInt8.random(in: 1...255, using: &generator)
                do {
                    _ = try fixture.pipeline.decode(Bytes(stored), filterMask: fixture.description.filterMask)
                } catch is CodecError {
                } catch {
                    Issue.record("\(fixture.description.name), byte \(index), seed \(seed): \(error)")
                }
            }
        }
    }

    @Test("a deflate bomb stops at the expected size")
    func deflateBomb() throws {
        // 16 MiB of zeros deflate to about 16 KiB; the chunk is 64 KiB.
        let bomb = Bytes(zlibCompressed([UInt8](repeating: 0, count: 16 << 20), level: 9))
        #expect(bomb.count < 32 << 10)
        var output = [UInt8](repeating: 0, count: 64 << 10)
        #expect(throws: CodecError.outputOverrun(filter: .deflate, limit: 64 << 10, declared: nil)) {
            try output.withUnsafeMutableBytes { try DeflateCodec().decode(bomb, into: $0) }
        }
        let pipeline = CodecPipeline(filters: [(1, [9], false)], elementSize: 1, chunkByteCount: 64 << 10)
        #expect(throws: CodecError.self) { try pipeline.decode(bomb, filterMask: 0) }
    }

    @Test("a chunk far larger than its deflate stream can expand to is short, and not allocated")
    func chunkBeyondDeflatesRatio() throws {
        let stream = Bytes(zlibCompressed([UInt8](repeating: 1, count: 1000), level: 9))
        #expect(DeflateCodec().largestDecodedSize(encodedCount: stream.count) == stream.count * 1040 + 1024)
        // 2^40 bytes claimed: decoding allocates at most 1040 times the stream, then finds 1000.
        #expect(throws: CodecError.sizeMismatch(filter: .deflate, expected: 1 << 40, found: 1000)) {
            try DeflateCodec().decode(stream, decodedSize: .exactly(1 << 40))
        }
    }

    @Test("a Blosc header whose sizes pass 2^31 is refused, not handed to libblosc")
    func bloscSizesPastTheSignedRange() throws {
        // Found by FuzzCodecs: compressed size 0x80000000 reads back negative, libblosc's own
        // validation accepts it, and decompressing read past the 24 bytes given.
        var header = bloscHeader(decodedSize: 215, compressedSize: 0x8000_0000) + [0, 5, 0, 1, 0, 0, 0, 0x21]
        #expect(throws: CodecError.self) { _ = try BloscCodec().decode(Bytes(header), decodedSize: .exactly(215)) }
        header = bloscHeader(decodedSize: 0x8000_0000, compressedSize: 24) + [UInt8](repeating: 0, count: 8)
        #expect(throws: CodecError.self) { _ = try BloscCodec().decode(Bytes(header), decodedSize: .atMost(4096)) }
    }

    @Test("declared sizes larger than the chunk are refused before decoding")
    func declaredSizeBombs() throws {
        let gibibyte: UInt64 = 1 << 30
        let bigEndianGibibyte = (0..<8).reversed().map { UInt8(truncatingIfNeeded: gibibyte >> (8 * $0)) }
        let cases: [(codec: any Codec, input: [UInt8], declared: UInt64)] = [
            (LZ4Codec(clientData: []), bigEndianGibibyte + [0, 0, 16, 0] + [0, 0, 0, 4, 1, 2, 3, 4], gibibyte),
            (try BitshuffleCodec(clientData: [0, 4, 2, 0, 2], fallbackElementSize: 2),
             bigEndianGibibyte + [0, 0, 32, 0, 0, 0, 0, 1, 0], gibibyte),
            (try SzipCodec(clientData: [141, 16, 16, 64]), [0xff, 0xff, 0xff, 0xff, 1, 2, 3], 0xffff_ffff),
            (BloscCodec(), bloscHeader(decodedSize: 1 << 30, compressedSize: 24) + [UInt8](repeating: 0, count: 8), gibibyte),
            (ZstandardCodec(), zstdCompressed([UInt8](repeating: 7, count: 1 << 20)), 1 << 20),
        ]
        for (codec, input, declared) in cases {
            var output = [UInt8](repeating: 0, count: 4096)
            #expect(throws: CodecError.outputOverrun(filter: codec.filter, limit: 4096, declared: declared)) {
                try output.withUnsafeMutableBytes { try codec.decode(Bytes(input), into: $0) }
            }
        }
    }

    /// A Blosc 1 header: version 2, compressor version 1, flags "memcpyed" (stored uncompressed),
    /// element size 1, then the decoded size, block size and compressed size, little-endian.
    func bloscHeader(decodedSize: UInt32, compressedSize: UInt32) -> [UInt8] {
        let littleEndian = { (value: UInt32) in (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        return [2, 1, 0x02, 1] + littleEndian(decodedSize) + littleEndian(4096) + littleEndian(compressedSize)
    }

    func zstdCompressed(_ bytes: [UInt8]) -> [UInt8] {
        var compressed = [UInt8](repeating: 0, count: ZSTD_compressBound(bytes.count))
        let count = ZSTD_compress(&compressed, compressed.count, bytes, bytes.count, 3)
        return Array(compressed.prefix(count))
    }
}
