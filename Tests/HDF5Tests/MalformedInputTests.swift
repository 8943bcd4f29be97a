import ArrayEngine
import ByteSources
import Codecs
import Foundation
import HDF5Format
import TestSupport
import Testing

@testable import HDF5

/// Files come from the internet: any byte sequence must give either a result or a typed error,
/// never a crash, a hang or a runaway allocation. These tests corrupt real files — truncating
/// them at every structure boundary and flipping bits inside and around each structure — and
/// decode everything in each corrupted copy.
@Suite struct MalformedInputTests {
    /// Every signature-bearing structure; corruption is aimed at and around them.
    static let signatures = [
        "OHDR", "OCHK", "TREE", "HEAP", "SNOD", "FRHP", "FHDB", "FHIB", "BTHD", "BTIN", "BTLF", "GCOL", "SMTB",
        "SMLI", "FAHD", "FADB", "EAHD", "EAIB", "EASB", "EADB",
    ]

    static var inputs: [String] {
        let fixtures = (try? FileManager.default.contentsOfDirectory(atPath: "TestData/fixtures")) ?? []
        let chosen = fixtures.filter { $0.hasSuffix(".h5") || $0.hasSuffix(".nwb") }.sorted().map { "TestData/fixtures/" + $0 }
        let shared = [
            "test_attribute_earliest.hdf5", "test_attribute_latest.hdf5", "test_large_group_latest.hdf5",
            "test_compound_scalar_attribute.hdf5", "superblock-extension.hdf5", "test_vlen_datasets_latest.hdf5",
        ].map { "../shared/testdata/jhdf/" + $0 }.filter { FileManager.default.fileExists(atPath: $0) }
        return chosen + shared
    }

    @Test(arguments: inputs)
    func truncatedCopiesGiveResultsOrTypedErrors(path: String) async throws {
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        var cuts = Set(Self.structureOffsets(in: original).flatMap { [$0, $0 + 3, $0 + 9] })
        for step in 1...64 { cuts.insert(original.count * step / 65) }
        for cut in cuts.sorted() where cut < original.count {
            try await Self.expectResultOrTypedError(Array(original[..<cut]), label: "\(path) cut at \(cut)")
        }
    }

    @Test(arguments: inputs)
    func bitFlippedCopiesGiveResultsOrTypedErrors(path: String) async throws {
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let seed = UInt64(truncatingIfNeeded: path.utf8.reduce(5381) { ($0 << 5) &+ $0 &+ Int($1) })
        var generator = SplitMix64(seed: seed)
        var positions: [Int] = []
        // Inside every structure's first 64 bytes (its fields), and anywhere at random.
        for offset in Self.structureOffsets(in: original) {
            for _ in 0..<6 { positions.append(offset + Int(generator.next() % 64)) }
        }
        for _ in 0..<100 { positions.append(Int(generator.next() % UInt64(original.count))) }
        for position in positions where position < original.count {
            var copy = original
            copy[position] ^= UInt8(1 << (generator.next() % 8))
            try await Self.expectResultOrTypedError(copy, label: "\(path) seed \(seed) flip at \(position)")
        }
    }

    /// Offsets of at most `sampled` structures (evenly spread, the superblock first), so that a
    /// file of a thousand objects costs no more than a small one.
    static func structureOffsets(in bytes: [UInt8], sampled: Int = 24) -> [Int] {
        let all = allStructureOffsets(in: bytes)
        guard all.count > sampled else { return all }
        return (0..<sampled).map { all[$0 * all.count / sampled] }
    }

    static func allStructureOffsets(in bytes: [UInt8]) -> [Int] {
        let patterns = signatures.map { Array($0.utf8) }
        var offsets: [Int] = [0]
        guard bytes.count >= 4 else { return offsets }
        for index in 0...(bytes.count - 4) {
            if patterns.contains(where: { $0.elementsEqual(bytes[index..<(index + 4)]) }) { offsets.append(index) }
        }
        return offsets
    }

    /// Opens the bytes, walks the whole tree and renders every entry; any error must be typed.
    static func expectResultOrTypedError(_ bytes: [UInt8], label: String) async throws {
        do {
            let file = try await HDF5File(source: MemorySource(name: label, bytes: bytes))
            let entries = try await file.walk(from: "/", recursive: true)
            let paths = try await file.referencedPaths(in: entries)
            for entry in entries { _ = try entry.json(paths: paths).serialized() }
            // The first element of every dataset: its chunk is located, fetched and decoded.
            for case .object(let object) in entries.map(\.target) where object.kind == .dataset {
                guard let dataspace = object.dataspace, dataspace.kind == .simple,
                    !dataspace.dimensions.contains(0)
                else { continue }
                let first = Selection(dataspace.dimensions.map { _ in .index(0) })
                _ = try await file.values(of: try await file.read(object, selection: first))
            }
        } catch is HDF5Error {
        } catch is ByteSourceError {
        } catch is ArrayError {
        } catch is CodecError {
        } catch {
            Issue.record("\(label): untyped error \(type(of: error)): \(error)")
        }
    }
}
