import ByteKit
import CZlib
import Codecs
import Foundation
import Testing

/// Single-core decode throughput of deflate with zlib and with libdeflate, on ~50 MB of shuffled,
/// deflated int16 random walk (64 channels, 1 MiB chunks, as NWB writers store extracellular
/// recordings). A measurement, not a check: run it in release,
///
///     NWBPEEK_BENCHMARK=1 swift test -c release -Xswiftc -enable-testing --filter DeflateThroughput
@Suite(.enabled(if: ProcessInfo.processInfo.environment["NWBPEEK_BENCHMARK"] != nil, "set NWBPEEK_BENCHMARK=1"))
struct DeflateThroughputTests {
    struct Description: Decodable {
        var chunks: Int
        var chunkByteCount: Int
    }

    @Test("deflate and shuffle decode throughput with zlib and libdeflate")
    func throughput() throws {
        let (directory, lines) = try CodecFixture.runScript(arguments: ["benchmark"])
        let description = try JSONDecoder().decode(Description.self, from: Data(try #require(lines.first).utf8))
        let file = Bytes(Array(try Data(contentsOf: directory.appendingPathComponent("benchmark.chunks"))))
        var chunks: [Bytes] = []
        var offset = 0
        while let length = file.littleEndianInteger(at: offset, width: 8),
            let chunk = file.slice(from: offset + 8, count: Int(length))
        {
            chunks.append(chunk)
            offset += 8 + Int(length)
        }
        #expect(chunks.count == description.chunks)
        let storedBytes = chunks.reduce(0) { $0 + $1.count }
        let outputBytes = chunks.count * description.chunkByteCount
        print("benchmark: \(chunks.count) chunks, \(outputBytes) bytes decoded from \(storedBytes) stored")

        var output = [UInt8](repeating: 0, count: description.chunkByteCount)
        let codec = DeflateCodec()
        let libdeflateSeconds = try fastestOfThree {
            for chunk in chunks {
                _ = try output.withUnsafeMutableBytes { try codec.decode(chunk, into: $0) }
            }
        }
        print("benchmark: deflate (libdeflate): \(megabytesPerSecond(outputBytes, libdeflateSeconds)) MB/s of output")
        // The alternative: zlib's one-shot inflate, as libhdf5 uses it.
        let zlibSeconds = try fastestOfThree {
            for chunk in chunks {
                var outputCount = uLong(output.count)
                let status = chunk.withUnsafeBytes { source in
                    uncompress(&output, &outputCount, source.baseAddress?.assumingMemoryBound(to: Bytef.self),
                               uLong(source.count))
                }
                #expect(status == Z_OK && Int(outputCount) == description.chunkByteCount)
            }
        }
        print("benchmark: deflate (zlib): \(megabytesPerSecond(outputBytes, zlibSeconds)) MB/s of output")
        let shuffle = try ShuffleCodec(clientData: [2], fallbackElementSize: 2)
        let decodedChunk = Bytes(output)
        var unshuffled = [UInt8](repeating: 0, count: description.chunkByteCount)
        let seconds = try fastestOfThree {
            for _ in chunks {
                _ = try unshuffled.withUnsafeMutableBytes { try shuffle.decode(decodedChunk, into: $0) }
            }
        }
        // Element 0 is byte 0 of the first plane and byte 0 of the second.
        #expect(unshuffled[0] == output[0] && unshuffled[1] == output[description.chunkByteCount / 2])
        print("benchmark: unshuffle of 2-byte elements: \(megabytesPerSecond(outputBytes, seconds)) MB/s")
    }

    func fastestOfThree(_ body: () throws -> Void) throws -> Double {
        var best = Double.infinity
        for _ in 0..<3 {
            let start = ContinuousClock.now
            try body()
            let elapsed = ContinuousClock.now - start
            best = min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        return best
    }

    func megabytesPerSecond(_ bytes: Int, _ seconds: Double) -> Int {
        Int((Double(bytes) / 1e6 / seconds).rounded())
    }
}
