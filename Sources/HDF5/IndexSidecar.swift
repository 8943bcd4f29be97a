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
        let section: [String: Any]
        do {
            if let text = Self.leadingSection(of: json) {
                section = try JSONSerialization.jsonObject(with: text) as? [String: Any] ?? [:]
            } else {
                let document = try JSONSerialization.jsonObject(with: json)
                guard let found = (document as? [String: Any])?["nwbpeek"] as? [String: Any] else {
                    throw IndexSidecarError.malformed(
                        reason: "no `nwbpeek` section (a reference set not written by nwbpeek index)")
                }
                section = found
            }
        } catch let error as IndexSidecarError {
            throw error
        } catch {
            throw IndexSidecarError.malformed(reason: "not JSON: \(error.localizedDescription)")
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
                throw IndexSidecarError.malformed(
                    reason: "a metadata segment is not [offset, \"base64:...\"] inside the source")
            }
            return MetadataSegment(offset: offset, bytes: Bytes([UInt8](data)))
        }
    }

    /// The text of the `nwbpeek` section when it is the document's first member, as `nwbpeek
    /// index` writes it: found by matching brackets, so that opening does not parse the chunk
    /// references (megabytes for a large file). Nil for any other layout.
    static func leadingSection(of json: Data) -> Data? {
        let opening = Array(#"{"nwbpeek":{"#.utf8)
        guard json.count > opening.count, json.prefix(opening.count).elementsEqual(opening) else { return nil }
        let end: Int? = json.withUnsafeBytes { buffer in
            var depth = 0
            var inString = false
            var escaped = false
            for index in (opening.count - 1)..<buffer.count {
                let byte = buffer[index]
                if inString {
                    if escaped {
                        escaped = false
                    } else if byte == UInt8(ascii: "\\") {
                        escaped = true
                    } else if byte == UInt8(ascii: "\"") {
                        inString = false
                    }
                    continue
                }
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return index }
                default: break
                }
            }
            return nil
        }
        guard let end else { return nil }
        return json[(json.startIndex + opening.count - 1)...(json.startIndex + end)]
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
            return
                "\(url) changed since it was indexed (indexed: \(indexed); now: \(found)); rebuild the index with `nwbpeek index`"
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
