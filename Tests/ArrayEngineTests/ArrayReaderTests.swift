import ByteKit
import ByteSources
import Foundation
import TestSupport
import Testing

@testable import ArrayEngine

/// Chunks laid out one after the other in memory, each holding the elements of its part of
/// the array (full chunks, edges padded), some left unwritten.
struct GridLocator: ChunkLocator {
    var missing: Set<[UInt64]> = []
    var storedSizes: [[UInt64]: UInt64] = [:]
    var offsets: [[UInt64]: UInt64] = [:]

    func chunk(at coordinates: [UInt64]) throws -> StoredChunk? {
        guard !missing.contains(coordinates), let size = storedSizes[coordinates] else { return nil }
        return StoredChunk(range: ByteRange(offset: offsets[coordinates] ?? 0, length: size))
    }
}

/// A stand-in for a real filter: chunks are stored byte-reversed.
struct ReversingDecoder: ChunkDecoder {
    var isIdentity: Bool { false }
    func decode(_ stored: Bytes, filterMask: UInt32, chunkByteCount: Int, elementSize: Int) throws -> DecodedChunk {
        .elements(Bytes(stored.array.reversed()))
    }
}

/// Chunks stored byte-shuffled, which the decoder leaves to the engine's copy.
struct ShufflingDecoder: ChunkDecoder {
    var isIdentity: Bool { false }
    func decode(_ stored: Bytes, filterMask: UInt32, chunkByteCount: Int, elementSize: Int) throws -> DecodedChunk {
        .shuffled(stored)
    }

    /// Byte `b` of element `i` to `b * elements + i`.
    static func shuffle(_ chunk: [UInt8], elementSize: Int) -> [UInt8] {
        let elements = chunk.count / elementSize
        return (0..<chunk.count).map { chunk[($0 % elements) * elementSize + $0 / elements] }
    }
}

/// How the test arrays store their chunks.
enum Storing: CaseIterable, Sendable {
    case raw, reversed, shuffled
}

/// A source that records the bytes it serves.
final class RecordingSource: ByteSource, @unchecked Sendable {
    let inner: MemorySource
    var bytesRead: UInt64 = 0
    var name: String { inner.name }
    var size: UInt64 { inner.size }
    init(_ bytes: [UInt8]) { inner = MemorySource(bytes: bytes) }
    func read(_ ranges: [ByteRange]) async throws -> [Bytes] {
        bytesRead += ranges.reduce(0) { $0 + $1.length }
        return try await inner.read(ranges)
    }
}

@Suite struct ArrayReaderTests {
    /// Element `index` of every test array: bytes that differ for every index and byte.
    static func element(_ index: UInt64, size: Int) -> [UInt8] {
        var state = index &* 0x9E37_79B9_7F4A_7C15 &+ 0x1234_5678
        return (0..<size).map { _ in
            state = (state ^ (state >> 29)) &* 0xBF58_476D_1CE4_E5B9
            return UInt8(truncatingIfNeeded: state >> 24)
        }
    }

    /// Builds the stored array and a reader over it.
    static func make(
        shape: [UInt64], chunkShape: [UInt64], elementSize: Int, storing: Storing, missingEvery: Int,
        generator: inout SplitMix64
    ) throws -> (ArrayReader, RecordingSource) {
        // Half the arrays fill missing chunks with a pattern, half with zeros (no fill value).
        let fill = generator.next() % 2 == 0 ? [UInt8](repeating: 0xEE, count: elementSize) : nil
        let layout = try ArrayLayout(shape: shape, chunkShape: chunkShape, elementSize: elementSize, fillValue: fill)
        var storage: [UInt8] = []
        var locator = GridLocator()
        var missing = Set<[UInt64]>()
        let counts = layout.chunkCounts
        var coordinates = [UInt64](repeating: 0, count: shape.count)
        let strides = ReadPlan.strides(shape)
        outer: while true {
            if missingEvery > 0, generator.next() % UInt64(missingEvery) == 0 {
                missing.insert(coordinates)
            }
            var chunk: [UInt8] = []
            var inChunk = [UInt64](repeating: 0, count: shape.count)
            elements: while true {
                var linear: UInt64 = 0
                var inside = true
                for axis in 0..<shape.count {
                    let position = coordinates[axis] * chunkShape[axis] + inChunk[axis]
                    if position >= shape[axis] { inside = false }
                    linear += position * strides[axis]
                }
                chunk += inside ? element(linear, size: elementSize) : [UInt8](repeating: 0x55, count: elementSize)
                var axis = shape.count - 1
                while axis >= 0 {
                    inChunk[axis] += 1
                    if inChunk[axis] < chunkShape[axis] { continue elements }
                    inChunk[axis] = 0
                    axis -= 1
                }
                break
            }
            locator.offsets[coordinates] = UInt64(storage.count)
            locator.storedSizes[coordinates] = UInt64(chunk.count)
            switch storing {
            case .raw: storage += chunk
            case .reversed: storage += chunk.reversed()
            case .shuffled: storage += ShufflingDecoder.shuffle(chunk, elementSize: elementSize)
            }
            var axis = shape.count - 1
            while axis >= 0 {
                coordinates[axis] += 1
                if coordinates[axis] < counts[axis] { continue outer }
                coordinates[axis] = 0
                axis -= 1
            }
            break
        }
        locator.missing = missing
        let source = RecordingSource(storage)
        let decoder: any ChunkDecoder =
            switch storing {
            case .raw: IdentityDecoder()
            case .reversed: ReversingDecoder()
            case .shuffled: ShufflingDecoder()
            }
        return (ArrayReader(layout: layout, locator: locator, decoder: decoder, source: source), source)
    }

    /// The selection read element by element.
    static func expected(_ reader: ArrayReader, _ selection: [ResolvedDimension]) throws -> [UInt8] {
        let layout = reader.layout
        let locator = try #require(reader.locator as? GridLocator)
        let strides = ReadPlan.strides(layout.shape)
        var result: [UInt8] = []
        guard !selection.contains(where: { $0.count == 0 }) else { return [] }
        var index = [UInt64](repeating: 0, count: selection.count)
        outer: while true {
            let position = (0..<selection.count).map { selection[$0].start + index[$0] * selection[$0].step }
            let chunk = zip(position, layout.chunkShape).map { $0 / $1 }
            if locator.missing.contains(chunk) {
                result += layout.fillValue ?? [UInt8](repeating: 0, count: layout.elementSize)
            } else {
                result += element(zip(position, strides).reduce(0) { $0 + $1.0 * $1.1 }, size: layout.elementSize)
            }
            var axis = selection.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < selection[axis].count { continue outer }
                index[axis] = 0
                axis -= 1
            }
            break
        }
        return result
    }

    @Test(arguments: Storing.allCases)
    func randomSelectionsMatchElementByElementReads(storing: Storing) async throws {
        let seed: UInt64 =
            switch storing {
            case .raw: 11_251_126
            case .reversed: 20_261_125
            case .shuffled: 20_261_205
            }
        var generator = SplitMix64(seed: seed)
        for trial in 0..<60 {
            let rank = Int(generator.next() % 3) + 1
            let shape = (0..<rank).map { _ in generator.next() % 23 + 1 }
            let chunkShape = shape.map { generator.next() % ($0 + 3) + 1 }
            let elementSize = [1, 2, 3, 4, 8][Int(generator.next() % 5)]
            let (reader, _) = try Self.make(
                shape: shape, chunkShape: chunkShape, elementSize: elementSize, storing: storing, missingEvery: 5,
                generator: &generator)
            for _ in 0..<8 {
                let dimensions: [Selection.Dimension] = shape.map { extent in
                    let size = Int64(extent)
                    switch generator.next() % 4 {
                    case 0: return .index(Int64(generator.next() % UInt64(size)) - (generator.next() % 2 == 0 ? 0 : size))
                    case 1: return .slice(start: nil, stop: nil, step: nil)
                    default:
                        let start = Int64(generator.next() % UInt64(size + 2)) - 1
                        let stop = Int64(generator.next() % UInt64(size + 3)) - 1
                        return .slice(start: start, stop: stop, step: Int64(generator.next() % 5) + 1)
                    }
                }
                let selection = Selection(dimensions)
                let resolved = try selection.resolve(shape: shape)
                let bytes = try await reader.read(resolved)
                #expect(
                    bytes.array == (try Self.expected(reader, resolved)),
                    "seed \(seed) trial \(trial): shape \(shape) chunks \(chunkShape) element \(elementSize) selection \(selection)")
            }
        }
    }

    @Test func shuffledInt16RowsAreInterleavedIntoPlace() async throws {
        // Runs long enough for the vectorized loop, with and without a remainder.
        var generator = SplitMix64(seed: 9)
        let (reader, _) = try Self.make(
            shape: [300, 384], chunkShape: [64, 64], elementSize: 2, storing: .shuffled, missingEvery: 7,
            generator: &generator)
        for text in ["", "10:250,5:380", "::3,1::2", "7,:", "100:200,63:66"] {
            let resolved = try Selection.parse(text).resolve(shape: [300, 384])
            let bytes = try await reader.read(resolved)
            #expect(bytes.array == (try Self.expected(reader, resolved)), "selection \(text)")
        }
    }

    /// How a copy test writes: from shuffled planes of an element size, or plain elements.
    enum CopyKind: Sendable, CustomStringConvertible {
        case unshuffling(elementSize: Int)
        case plain

        var elementSize: Int { if case .unshuffling(let size) = self { size } else { 2 } }
        var description: String { if case .unshuffling(let size) = self { "unshuffling \(size)" } else { "plain" } }
    }

    /// Runs that start at every alignment, shorter and longer than a cache line, get the bytes an
    /// element-by-element loop gives, into a small output and into a large one (whose whole lines
    /// are written with non-temporal stores).
    @Test(arguments: [CopyKind.plain] + [1, 2, 3, 4, 8].map { CopyKind.unshuffling(elementSize: $0) }, [false, true])
    func copiesAtEveryAlignmentGiveTheElements(kind: CopyKind, large: Bool) throws {
        let size = OutputTarget.streamingThreshold + 64
        let memory = try LargeMemory(count: size, alignment: 64)
        defer { memory.release() }
        let elementSize = kind.elementSize
        var generator = SplitMix64(seed: UInt64(1206 + elementSize))
        let elements = 2048
        let chunk = (0..<elementSize * elements).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let window = 16384
        for count in [1, 7, 15, 16, 17, 31, 32, 33, 64, 100, 250] {
            for offset in [0, 1, 2, 4, 6, 8, 16, 33, 48, 56, 62, 64] {
                let group = ReadPlan.RunGroup(
                    first: ReadPlan.Run(sourceElement: 3, outputElement: 0, count: UInt64(count), sourceStride: 1),
                    repeats: 5, sourceStep: UInt64(count + 9), outputStep: UInt64(count + 40))
                let output = OutputTarget(base: memory.base + offset, count: large ? size - offset : window - offset)
                #expect(output.streams == large)
                memset(memory.base, 0xA5, window)
                try chunk.withUnsafeBytes { source in
                    switch kind {
                    case .unshuffling: try output.copyUnshuffling(group, fromPlanes: source, elementSize: elementSize)
                    case .plain: try output.copy(group, from: source, elementSize: elementSize)
                    }
                }
                var expected = [UInt8](repeating: 0xA5, count: window)
                for run in 0..<5 {
                    for index in 0..<count {
                        let element = 3 + run * (count + 9) + index
                        for byte in 0..<elementSize {
                            // Shuffled: byte 0 of every element, then byte 1 of every element...
                            expected[offset + elementSize * (run * (count + 40) + index) + byte] =
                                if case .plain = kind { chunk[elementSize * element + byte] } else {
                                    chunk[byte * elements + element]
                                }
                        }
                    }
                }
                let written = Array(UnsafeRawBufferPointer(start: memory.base, count: window))
                #expect(written == expected, "\(kind) count \(count) offset \(offset)")
            }
        }
    }

    @Test func unfilteredRowSliceReadsOnlyItsBytes() async throws {
        var generator = SplitMix64(seed: 7)
        // Rows of a contiguous (1 chunk of 10 rows at a time) array of 100 x 384 int16.
        let (reader, source) = try Self.make(
            shape: [100, 384], chunkShape: [10, 384], elementSize: 2, storing: .raw, missingEvery: 0,
            generator: &generator)
        _ = try await reader.read(try Selection.parse("25:37").resolve(shape: [100, 384]))
        #expect(source.bytesRead == 12 * 384 * 2)
    }

    @Test func filteredSliceReadsOnlyTheChunksItTouches() async throws {
        var generator = SplitMix64(seed: 8)
        let (reader, source) = try Self.make(
            shape: [100, 384], chunkShape: [10, 64], elementSize: 2, storing: .reversed, missingEvery: 0,
            generator: &generator)
        _ = try await reader.read(try Selection.parse("25:37,60:70").resolve(shape: [100, 384]))
        // Rows 25..36 touch chunk rows 2 and 3; columns 60..69 touch chunk columns 0 and 1.
        #expect(source.bytesRead == 4 * 10 * 64 * 2)
    }

    @Test func selectionTextFollowsNumPy() throws {
        let shape: [UInt64] = [10, 20, 30]
        let resolved = try Selection.parse("-3:,::4,5").resolve(shape: shape)
        #expect(resolved[0] == ResolvedDimension(start: 7, count: 3, step: 1, isIndex: false))
        #expect(resolved[1] == ResolvedDimension(start: 0, count: 5, step: 4, isIndex: false))
        #expect(resolved[2] == ResolvedDimension(start: 5, count: 1, step: 1, isIndex: true))
        #expect(try Selection.parse("").resolve(shape: shape).map(\.count) == [10, 20, 30])
        #expect(try Selection.parse("50:60").resolve(shape: shape)[0].count == 0)
        #expect(throws: ArrayError.self) { try Selection.parse("10").resolve(shape: shape) }
        #expect(throws: ArrayError.self) { try Selection.parse("::-1").resolve(shape: shape) }
        #expect(throws: ArrayError.self) { try Selection.parse("1:2:3:4") }
        #expect(throws: ArrayError.self) { try Selection.parse("0,0,0,0").resolve(shape: shape) }
    }
}
