import ByteKit
import ByteSources
import Foundation
import HDF5Format

/// An HDF5 file's index sidecar: a kerchunk reference set, version 1, that fsspec's
/// `ReferenceFileSystem` and zarr read as a Zarr v2 hierarchy, carrying besides (under the
/// top-level key `nwbpeek`, which kerchunk and fsspec ignore) the file's metadata bytes, so
/// that `HDF5File(index:source:)` opens the file without reading it.
///
/// The Zarr hierarchy:
/// - every group has a `.zgroup`, every dataset Zarr can hold a `.zarray` (see `zarrArray(of:)`
///   for chunks, virtual chunks and inline data); both have a `.zattrs` holding the HDF5
///   attributes, valued as `nwbpeek ls --json` values them (object references as paths);
/// - a node whose attributes or elements hold object references says which in its `.zattrs`
///   key `_nwbpeek_references`: `{"attributes": [names], "data": true|false}`;
/// - soft and external links and committed datatypes are not Zarr nodes; a hard-linked object
///   appears once, at the path `ls` lists it under.
///
/// The `nwbpeek` section: `format` (1), `source` (`url` as given, `size`, and `etag` and
/// `mtime` where known), `virtual_chunk_bytes`, `unexpressed` (each dataset left out, with
/// the reason), and `segments`: `[offset, "base64"]` runs of the file holding every byte the
/// export's walk read as metadata (object headers, heaps, B-trees, chunk indexes, the global
/// heap collections of inlined strings), plus the read-ahead around them.
public struct KerchunkExport: Sendable {
    /// A dataset the reference set has no Zarr array for.
    public struct Unexpressed: Sendable, Equatable {
        public let path: String
        public let reason: String
    }

    /// What to export and how.
    public struct Options: Sendable {
        /// The most bytes of a dataset written inline (decoded) when it cannot be referenced.
        public var inlineLimit: Int
        /// The least the export reads around each metadata range it needs (the segments keep it).
        public var readAhead: UInt64

        public init(inlineLimit: Int = 4 << 20, readAhead: UInt64 = 4096) {
            self.inlineLimit = inlineLimit
            self.readAhead = readAhead
        }
    }

    /// The reference set, as JSON text.
    public let json: String
    /// The datasets left out, in listing order.
    public let unexpressed: [Unexpressed]
    /// The metadata runs kept.
    public let segments: [MetadataSegment]

    /// Builds the index of the HDF5 file in `source`, naming it `url` in every reference.
    public init(source: any ByteSource, url: String, options: Options = Options()) async throws {
        // An empty prefetched list: the store fetches every byte it needs (even from a mapped
        // file), so that it can tell which bytes were metadata.
        let file = try await HDF5File(source: source, readAhead: options.readAhead, readBehind: 0, prefetched: [])
        let entries = try await file.walk(from: "/", recursive: true)
        let paths = try await file.pathIndex()
        let datasets = entries.compactMap { entry -> HDF5Object? in
            guard case .object(let object) = entry.target, object.kind == .dataset else { return nil }
            return object
        }
        try await file.decodeChunkIndexes(of: datasets)
        let exported = try await file.zarrArrays(of: datasets, url: url, inlineLimit: options.inlineLimit)
        var references: [(String, JSONValue)] = []
        var unexpressed: [Unexpressed] = []
        for entry in entries {
            guard case .object(let object) = entry.target else { continue }
            let prefix = entry.path == "/" ? "" : String(entry.path.dropFirst()) + "/"
            var holdsReferences = false
            switch object.kind {
            case .datatype:
                continue
            case .group:
                references.append((prefix + ".zgroup", .string(#"{"zarr_format":2}"#)))
            case .dataset:
                guard case .success(let array)? = exported[object.address] else {
                    if case .failure(let reason)? = exported[object.address] {
                        unexpressed.append(Unexpressed(path: entry.path, reason: reason.reason))
                    }
                    continue
                }
                references.append((prefix + ".zarray", .string(array.metadata.json.serialized())))
                references += array.chunks.map { (prefix + $0.key, $0.reference) }
                holdsReferences = array.holdsReferences
            }
            var attributes = try object.attributes.map { ($0.name, try $0.json(paths: paths)) }
            let referencing = object.attributes.filter { $0.values.contains(where: \.containsReference) }.map(\.name)
            if holdsReferences || !referencing.isEmpty {
                attributes.append(
                    (
                        "_nwbpeek_references",
                        .object([
                            ("attributes", .array(referencing.map(JSONValue.string))), ("data", .bool(holdsReferences)),
                        ])
                    ))
            }
            references.append((prefix + ".zattrs", .string(JSONValue.object(attributes).serialized())))
        }
        let segments = try await file.store.fetchedSegments()
        let version = source.currentVersion
        var sourceFields: [(String, JSONValue)] = [("url", .string(url)), ("size", .uint(version.size))]
        if let entityTag = version.entityTag { sourceFields.append(("etag", .string(entityTag))) }
        if let modificationTime = version.modificationTime { sourceFields.append(("mtime", .string(modificationTime))) }
        let section: JSONValue = .object([
            ("format", .int(1)),
            ("source", .object(sourceFields)),
            ("virtual_chunk_bytes", .uint(ContiguousLocator.virtualChunkBytes)),
            (
                "unexpressed",
                .array(unexpressed.map { .object([("path", .string($0.path)), ("reason", .string($0.reason))]) })
            ),
            ("segments", .array(segments.map { .array([.uint($0.offset), HDF5File.inline($0.bytes)]) })),
        ])
        // The section first: opening from the index reads it without parsing the references.
        json = JSONValue.object([("nwbpeek", section), ("version", .int(1)), ("refs", .object(references))])
            .serialized()
        self.unexpressed = unexpressed
        self.segments = segments
    }
}

extension HDF5File {
    /// Each dataset's Zarr array (by object address), or why it has none. Datasets are
    /// exported `concurrently` at a time, so that the reads of one (inline data, heaps) overlap
    /// those of the others: over a remote source, the rounds of one dataset, not their sum.
    fileprivate func zarrArrays(of datasets: [HDF5Object], url: String, inlineLimit: Int, concurrently: Int = 32)
        async throws -> [UInt64: Result<ZarrArray, Inexpressible>]
    {
        try await withThrowingTaskGroup(of: (UInt64, Result<ZarrArray, Inexpressible>).self) { group in
            var results: [UInt64: Result<ZarrArray, Inexpressible>] = [:]
            for (index, dataset) in datasets.enumerated() {
                if index >= concurrently, let (address, result) = try await group.next() { results[address] = result }
                group.addTask {
                    do {
                        return (
                            dataset.address,
                            .success(try await self.zarrArray(of: dataset, url: url, inlineLimit: inlineLimit))
                        )
                    } catch let error as ByteSourceError {
                        throw error
                    } catch let reason as Inexpressible {
                        await self.keepHeapData(of: dataset, inlineLimit: inlineLimit)
                        return (dataset.address, .failure(reason))
                    } catch {
                        return (dataset.address, .failure(Inexpressible("\(error)")))
                    }
                }
            }
            for try await (address, result) in group { results[address] = result }
            return results
        }
    }

    /// Decodes the chunk index of every chunked dataset among `datasets` together, one batch of
    /// reads per level of the deepest index, so that `ls` (storage sizes) and reads from the
    /// index need no metadata from the file, whether or not Zarr can hold the dataset. A chunk
    /// index that fails to decode is left for the dataset's own export to report.
    fileprivate func decodeChunkIndexes(of datasets: [HDF5Object]) async throws {
        let context = self.context
        let decoders = datasets.compactMap { dataset -> (@Sendable (FileView) throws -> Bool)? in
            guard let layout = dataset.layout, case .chunked = layout.storage, let dataspace = dataset.dataspace else {
                return nil
            }
            let filtered = !dataset.filters.isEmpty
            return { view in
                do {
                    _ = try ChunkIndexReader.records(
                        view: view, layout: layout, dataspace: dataspace, filtered: filtered, context: context)
                    return true
                } catch let needed as BytesNeeded {
                    // The store fetches it and runs this again.
                    throw needed
                } catch {
                    return false
                }
            }
        }
        _ = try await store.decodeAll(decoders)
    }

    /// Decodes the values of a small dataset Zarr cannot hold, so that the global heap
    /// collections its variable-length values live in are among the index's segments (a read
    /// through the index then fetches its chunks alone). Failures are for the reader to meet.
    fileprivate func keepHeapData(of dataset: HDF5Object, inlineLimit: Int) async {
        guard let datatype = dataset.datatype, let count = try? dataset.dataspace?.elementCount(),
            count.multipliedReportingOverflow(by: UInt64(datatype.size)).partialValue <= UInt64(inlineLimit)
        else { return }
        _ = try? await values(of: try await read(dataset))
    }
}
