import ByteKit
import ByteSources
import Foundation
import HDF5Format

/// The part of an index sidecar (`KerchunkExport`) that opening a file from it needs: the
/// source it describes and the source's metadata bytes.
public struct IndexSidecar: Sendable {
    /// The source's URL or path as the index's author gave it.
    public let sourceURL: String
    /// The source's size, and ETag or modification time, when the index was built.
    public let sourceVersion: SourceVersion
    /// The metadata runs of the source.
    public let segments: [MetadataSegment]

    /// Reads the `nwbpeek` section of a reference set's JSON text.
    public init(json: Data) throws {
        let document: Any
        do {
            document = try JSONSerialization.jsonObject(with: json)
        } catch {
            throw IndexSidecarError.malformed(reason: "not JSON: \(error.localizedDescription)")
        }
        guard let root = document as? [String: Any], let section = root["nwbpeek"] as? [String: Any] else {
            throw IndexSidecarError.malformed(reason: "no `nwbpeek` section (a reference set not written by nwbpeek index)")
        }
        guard let format = section["format"] as? Int, format == 1 else {
            throw IndexSidecarError.malformed(reason: "index format \(section["format"] ?? "missing"), expected 1")
        }
        guard let source = section["source"] as? [String: Any], let url = source["url"] as? String,
            let size = (source["size"] as? NSNumber)?.uint64Value
        else {
            throw IndexSidecarError.malformed(reason: "the source's url or size is missing")
        }
        sourceURL = url
        sourceVersion = SourceVersion(
            size: size, entityTag: source["etag"] as? String, modificationTime: source["mtime"] as? String)
        guard let runs = section["segments"] as? [[Any]] else {
            throw IndexSidecarError.malformed(reason: "no metadata segments")
        }
        segments = try runs.map { run in
            guard run.count == 2, let offset = (run[0] as? NSNumber)?.uint64Value, let text = run[1] as? String,
                text.hasPrefix("base64:"), let data = Data(base64Encoded: String(text.dropFirst("base64:".count))),
                offset.addingReportingOverflow(UInt64(data.count)).partialValue <= size
            else {
                throw IndexSidecarError.malformed(reason: "a metadata segment is not [offset, \"base64:...\"] inside the source")
            }
            return MetadataSegment(offset: offset, bytes: Bytes([UInt8](data)))
        }
    }

    /// Reads the index sidecar at `path`.
    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IndexSidecarError.cannotRead(path: path)
        }
        try self.init(json: data)
    }
}

/// Why an index sidecar cannot be used.
public enum IndexSidecarError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotRead(path: String)
    case malformed(reason: String)
    /// The source is not the one the index was built from (its size, ETag or modification time
    /// differ): the index's chunk locations may point at other bytes now.
    case sourceChanged(url: String, indexed: SourceVersion, found: SourceVersion)

    public var description: String {
        switch self {
        case .cannotRead(let path): return "cannot read the index \(path)"
        case .malformed(let reason): return "not a usable nwbpeek index: \(reason)"
        case .sourceChanged(let url, let indexed, let found):
            return "\(url) changed since it was indexed (indexed: \(indexed); now: \(found)); rebuild the index with `nwbpeek index`"
        }
    }
}

extension HDF5File {
    /// Opens the file an index sidecar describes, decoding its metadata from the index: opening
    /// and walking read nothing from `source`; reading a dataset reads its chunks alone.
    /// `source` must be the indexed file (checked by its `currentVersion`).
    /// - Throws: `IndexSidecarError.sourceChanged` when it is not.
    public convenience init(index: IndexSidecar, source: any ByteSource) async throws {
        let found = source.currentVersion
        guard index.sourceVersion.matches(found) else {
            throw IndexSidecarError.sourceChanged(url: index.sourceURL, indexed: index.sourceVersion, found: found)
        }
        try await self.init(source: source, prefetched: index.segments)
    }
}
