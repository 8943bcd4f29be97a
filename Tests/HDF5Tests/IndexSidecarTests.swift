import ByteKit
import ByteSources
import Foundation
import HDF5Format
import Testing

@testable import HDF5

/// Opening from an index sidecar: the metadata comes from the index, only chunk data from the
/// file, and a file that changed since is refused.
@Suite struct IndexSidecarTests {
    static let files = [
        "sample.nwb", "sample_latest.nwb", "layouts_latest.h5", "types_earliest.h5", "groups_latest.h5",
    ]

    static func index(of name: String) async throws -> (sidecar: IndexSidecar, bytes: [UInt8]) {
        let path = "TestData/fixtures/" + name
        let export = try await KerchunkExport(source: try MappedFileSource(path: path), url: path)
        return (
            try IndexSidecar(json: Data(export.json.utf8)), [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        )
    }

    @Test(arguments: files)
    func openingWalkingAndListingFromAnIndexReadNothingOfTheFile(name: String) async throws {
        let (sidecar, bytes) = try await Self.index(of: name)
        let source = CountingSource(bytes: bytes)
        let file = try await HDF5File(index: sidecar, source: source)
        let entries = try await file.walk(from: "/", recursive: true)
        let paths = try await file.referencedPaths(in: entries)
        for entry in entries {
            _ = try entry.json(paths: paths)
            if case .object(let object) = entry.target { _ = try await file.storageSize(of: object) }
        }
        #expect(source.batches == 0)
        #expect(source.bytesRead == 0)
    }

    @Test func aReadFromAnIndexTransfersItsChunksAlone() async throws {
        let (sidecar, bytes) = try await Self.index(of: "sample.nwb")
        let source = CountingSource(bytes: bytes)
        let file = try await HDF5File(index: sidecar, source: source)
        let dataset = try await file.resolve("/acquisition/ElectricalSeries/data").object
        let slice = try await file.read(dataset)
        let direct = try await HDF5File(path: "TestData/fixtures/sample.nwb")
        #expect(slice.bytes.array == (try await direct.read(dataset)).bytes.array)
        #expect(source.bytesRead == (try await file.storageSize(of: dataset)))
    }

    @Test func aSourceOfAnotherSizeIsRefused() async throws {
        let (sidecar, bytes) = try await Self.index(of: "sample.nwb")
        await #expect(throws: IndexSidecarError.self) {
            _ = try await HDF5File(index: sidecar, source: MemorySource(bytes: bytes + [0]))
        }
    }

    @Test func aSourceModifiedSinceIsRefused() async throws {
        let (sidecar, bytes) = try await Self.index(of: "sample.nwb")
        #expect(sidecar.sourceVersion.modificationTime != nil)
        let touched = VersionedMemorySource(
            bytes: bytes, version: SourceVersion(size: UInt64(bytes.count), modificationTime: "1.000000000"))
        do {
            _ = try await HDF5File(index: sidecar, source: touched)
            Issue.record("a source modified since indexing was served")
        } catch let error as IndexSidecarError {
            guard case .sourceChanged(_, let indexed, let found) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(indexed == sidecar.sourceVersion)
            #expect(found.modificationTime == "1.000000000")
        }
        let same = VersionedMemorySource(bytes: bytes, version: sidecar.sourceVersion)
        _ = try await HDF5File(index: sidecar, source: same)
    }

    @Test func theSectionIsReadWhereverItIsInTheDocument() async throws {
        let path = "TestData/fixtures/sample.nwb"
        let export = try await KerchunkExport(source: try MappedFileSource(path: path), url: path)
        let first = try IndexSidecar(json: Data(export.json.utf8))
        // Rewritten by another tool, the section no longer first.
        let section = try #require(IndexSidecar.leadingSection(of: Data(export.json.utf8)))
        let rewritten = Data(#"{"version": 1, "nwbpeek": "#.utf8) + section + Data("}".utf8)
        #expect(IndexSidecar.leadingSection(of: rewritten) == nil)
        let second = try IndexSidecar(json: rewritten)
        #expect(first.sourceVersion == second.sourceVersion)
        #expect(first.segments.map(\.offset) == second.segments.map(\.offset))
        #expect(first.segments.map(\.bytes.array) == second.segments.map(\.bytes.array))
    }

    @Test func aReferenceSetWithoutTheSectionIsNotAnIndex() throws {
        #expect(throws: IndexSidecarError.self) {
            _ = try IndexSidecar(json: Data(#"{"version":1,"refs":{".zgroup":"{\"zarr_format\":2}"}}"#.utf8))
        }
    }
}

/// Bytes in memory that claim a version (as a file's size and modification time).
struct VersionedMemorySource: VersionedByteSource {
    let inner: MemorySource
    let version: SourceVersion

    init(bytes: [UInt8], version: SourceVersion) {
        inner = MemorySource(name: "versioned", bytes: bytes)
        self.version = version
    }

    var size: UInt64 { inner.size }
    var name: String { inner.name }
    func read(_ ranges: [ByteRange]) async throws -> [Bytes] { try await inner.read(ranges) }
}
