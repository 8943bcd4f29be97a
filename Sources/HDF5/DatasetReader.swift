import ArrayEngine
import ByteKit
import ByteSources
import HDF5Format

/// Elements read from a dataset: the raw bytes of each element as stored in the file (its
/// byte order), row-major, and the shape of the selection.
public struct DatasetSlice: Sendable {
    public let shape: [UInt64]
    public let datatype: Datatype
    /// Dataspace of the slice (simple, or scalar when every dimension was indexed).
    public var dataspace: Dataspace {
        shape.isEmpty ? Dataspace(kind: .scalar) : Dataspace(kind: .simple, dimensions: shape, maxDimensions: nil)
    }
    public let bytes: Bytes
    public var elementCount: Int { datatype.size == 0 ? 0 : bytes.count / Int(datatype.size) }
}

/// What a read will give, known before reading: the selection's shape (dimensions selected by
/// an index dropped), the datatype, and the size in bytes.
public struct DatasetReadShape: Sendable, Equatable {
    public let shape: [UInt64]
    public let datatype: Datatype
    public let byteCount: Int
}

extension HDF5File {
    /// Reads the elements of a dataset that `selection` picks, transferring only the chunks
    /// (or, for unfiltered data, the byte runs) the selection needs.
    public func read(_ dataset: HDF5Object, selection: Selection = .all) async throws -> DatasetSlice {
        let prepared = try await prepareRead(dataset, selection: selection)
        guard let reader = prepared.reader else {
            return DatasetSlice(shape: [], datatype: prepared.datatype, bytes: Bytes([]))
        }
        return DatasetSlice(shape: prepared.shape, datatype: prepared.datatype, bytes: try await reader.read(prepared.resolved))
    }

    /// Reads the elements `selection` picks into `destination`, which must hold exactly their
    /// bytes (`DatasetReadShape.byteCount`): for reading a large selection in blocks through
    /// one reused buffer. The bytes are those `read(_:selection:)` gives.
    public func read(
        _ dataset: HDF5Object, selection: Selection, into destination: UnsafeMutableRawBufferPointer
    ) async throws {
        let prepared = try await prepareRead(dataset, selection: selection)
        guard let reader = prepared.reader else {
            guard destination.isEmpty else {
                throw ArrayError.badSelection(text: selection.description, reason: "the dataset's dataspace is null")
            }
            return
        }
        try await reader.read(prepared.resolved, into: destination)
    }

    /// The shape, datatype and size in bytes of what `selection` picks in `dataset`, without
    /// reading it.
    public func readShape(of dataset: HDF5Object, selection: Selection) throws -> DatasetReadShape {
        let (datatype, dataspace, _) = try Self.readable(dataset)
        guard dataspace.kind != .null else { return DatasetReadShape(shape: [], datatype: datatype, byteCount: 0) }
        let resolved = try Self.resolve(selection, in: dataspace)
        return DatasetReadShape(
            shape: Self.resultShape(of: resolved, in: dataspace), datatype: datatype,
            byteCount: try ArrayReader.byteCount(of: resolved, elementSize: Int(datatype.size)))
    }

    /// What reading `selection` of `dataset` takes: the array reader (nil for a null dataspace),
    /// the resolved selection, and the result's shape and datatype.
    private func prepareRead(_ dataset: HDF5Object, selection: Selection) async throws
        -> (reader: ArrayReader?, resolved: [ResolvedDimension], shape: [UInt64], datatype: Datatype)
    {
        let (datatype, dataspace, layout) = try Self.readable(dataset)
        if dataspace.kind == .null { return (nil, [], [], datatype) }
        let resolved = try Self.resolve(selection, in: dataspace)
        let shape = dataspace.kind == .scalar ? [1] : dataspace.dimensions
        let reader = try await arrayReader(
            for: dataset, datatype: datatype, dataspace: dataspace, shape: shape, layout: layout,
            rows: try Self.firstDimensionRows(of: selection, shape: shape))
        return (reader, resolved, Self.resultShape(of: resolved, in: dataspace), datatype)
    }

    /// The shape a read of `resolved` gives: indexed dimensions dropped, none for a scalar.
    private static func resultShape(of resolved: [ResolvedDimension], in dataspace: Dataspace) -> [UInt64] {
        dataspace.kind == .scalar ? [] : resolved.filter { !$0.isIndex }.map(\.count)
    }

    /// A dataset's datatype, dataspace and layout, or an error when it is not a dataset.
    private static func readable(_ dataset: HDF5Object) throws -> (Datatype, Dataspace, DataLayoutMessage) {
        guard dataset.kind == .dataset, let datatype = dataset.datatype, let dataspace = dataset.dataspace,
            let layout = dataset.layout
        else {
            throw HDF5Error.invalid(structure: "object header", offset: dataset.address, reason: "not a dataset")
        }
        return (datatype, dataspace, layout)
    }

    /// `selection` resolved against a dataset's dataspace: a scalar is read as a one-element
    /// array, and indexing it is an error.
    private static func resolve(_ selection: Selection, in dataspace: Dataspace) throws -> [ResolvedDimension] {
        guard dataspace.kind == .scalar else { return try selection.resolve(shape: dataspace.dimensions) }
        guard selection.dimensions.isEmpty else {
            throw ArrayError.badSelection(text: selection.description, reason: "the dataset is a scalar")
        }
        return try selection.resolve(shape: [1])
    }

    /// The decoded elements of a slice (strings, references, compounds...), flattened.
    public func values(of slice: DatasetSlice, structure: String = "dataset") async throws -> [Value] {
        let context = self.context
        try await fetchHeapCollections(
            GlobalHeapReferences.collectionAddresses(
                in: slice.bytes, datatype: slice.datatype, count: slice.elementCount, context: context))
        return try await store.decode { view in
            try ValueDecoder(view: view, context: context).decode(
                slice.bytes, datatype: slice.datatype, count: slice.elementCount, structure: structure, offset: 0)
        }
    }

    /// The span of first-dimension elements `selection` touches, or nil when it selects them all.
    static func firstDimensionRows(of selection: Selection, shape: [UInt64]) throws -> Range<UInt64>? {
        guard !selection.dimensions.isEmpty, let first = try selection.resolve(shape: shape).first else { return nil }
        guard first.count > 0 else { return first.start..<first.start }
        // start + (count - 1) * step is an element of the dimension, so it does not overflow.
        let last = first.start + (first.count - 1) * first.step
        return first.start == 0 && last + 1 == shape.first ? nil : first.start..<(last + 1)
    }

    /// Fetches the global heap collections at `addresses` together (one batch per round, two
    /// rounds at most: a collection's header tells its size), so that decoding variable-length
    /// values does not meet them one fetch at a time. A malformed collection is left for the
    /// decode, which reports it in element order.
    func fetchHeapCollections(_ addresses: [UInt64]) async throws {
        guard addresses.count > 1 else { return }
        let context = self.context
        _ = try await store.decodeAll(
            addresses.map { address in
                { @Sendable view in
                    do {
                        _ = try GlobalHeapCollection.read(view: view, address: address, context: context)
                    } catch is HDF5Error {
                        // Reported by the decode that follows.
                    }
                    return true
                }
            })
    }

    /// The array engine's view of a dataset: its chunk grid (virtual chunks for contiguous and
    /// compact storage), where each chunk is, and how to decode it.
    /// `rows`: the elements of the first dimension a read needs, when it needs fewer than all.
    func arrayReader(
        for dataset: HDF5Object, datatype: Datatype, dataspace: Dataspace, shape: [UInt64], layout: DataLayoutMessage,
        rows: Range<UInt64>? = nil
    ) async throws -> ArrayReader {
        let elementSize = Int(datatype.size)
        let fill = try fillValue(of: dataset, elementSize: elementSize)
        // Stored data smaller than the dataspace says is refused before any output is allocated
        // for it (libhdf5 refuses it too): a few bytes of a file must not reserve gigabytes.
        func requireStored(_ stored: UInt64, _ kind: String, for arrayLayout: ArrayLayout) throws {
            guard let needed = arrayLayout.byteCount, stored >= needed else {
                throw HDF5Error.invalid(
                    structure: "data layout message", offset: dataset.address,
                    reason: "\(kind) data of \(stored) bytes for \(shape.map(String.init).joined(separator: " x ")) "
                        + "elements of \(elementSize) bytes")
            }
        }
        switch layout.storage {
        case .compact(let data, _):
            let arrayLayout = try ArrayLayout(shape: shape, chunkShape: shape.map { max($0, 1) }, elementSize: elementSize, fillValue: fill)
            try requireStored(UInt64(data.count), "compact", for: arrayLayout)
            return ArrayReader(
                layout: arrayLayout,
                locator: SingleChunkLocator(chunk: StoredChunk(range: ByteRange(offset: 0, length: UInt64(data.count)))),
                decoder: IdentityDecoder(), source: MemorySource(name: "compact data", bytes: data.array))
        case .contiguous(let address, let size):
            let chunkShape = ContiguousLocator.virtualChunkShape(shape: shape, elementSize: elementSize)
            let arrayLayout = try ArrayLayout(shape: shape, chunkShape: chunkShape, elementSize: elementSize, fillValue: fill)
            if let message = dataset.header.firstMessage(of: .externalDataFiles) {
                let external = try await externalSource(message, of: dataset)
                return ArrayReader(
                    layout: arrayLayout,
                    locator: ContiguousLocator(address: 0, size: external.size, layout: arrayLayout),
                    decoder: IdentityDecoder(), source: external)
            }
            if address != nil { try requireStored(size, "contiguous", for: arrayLayout) }
            return ArrayReader(
                layout: arrayLayout,
                locator: ContiguousLocator(address: address, size: size, layout: arrayLayout),
                decoder: IdentityDecoder(), source: size <= SievedSource.sizeLimit ? SievedSource(store: store) : source)
        case .chunked(let chunked):
            let arrayLayout = try ArrayLayout(
                shape: shape, chunkShape: chunked.chunkShape, elementSize: elementSize, fillValue: fill)
            let filtered = !dataset.filters.isEmpty
            guard let chunkByteCount = arrayLayout.chunkByteCount, UInt64(chunkByteCount) <= Limits.chunkBytes else {
                throw HDF5Error.invalid(
                    structure: "data layout message", offset: dataset.address,
                    reason: "chunks of \(chunked.chunkShape.map(String.init).joined(separator: " x ")) elements of "
                        + "\(elementSize) bytes: 4 GiB or more, which libhdf5 refuses")
            }
            let map = try await chunkMap(of: dataset, rows: rows)
            let decoder: any ChunkDecoder =
                filtered
                ? FilterPipelineDecoder(filters: dataset.filters, elementSize: elementSize, chunkByteCount: chunkByteCount)
                : IdentityDecoder()
            return ArrayReader(
                layout: arrayLayout, locator: map,
                decoder: decoder, source: source)
        case .virtual:
            throw HDF5Error.unsupported(
                feature: "reading virtual datasets", structure: "dataset", offset: dataset.address)
        }
    }

    /// The chunk map of a chunked dataset, decoded from its chunk index on first use and kept for
    /// the file's life: reads, storage sizes and `check` share one decoding.
    ///
    /// With `rows` (elements of the first dimension) and a map not decoded yet, only the parts of
    /// the chunk index that reach those rows are read (see `ChunkIndexReader.records`), for this
    /// read alone.
    func chunkMap(of dataset: HDF5Object, rows: Range<UInt64>? = nil) async throws -> ChunkMap {
        if let map = await objects.chunkMap(at: dataset.address) { return map }
        guard let layout = dataset.layout, case .chunked(let chunked) = layout.storage, let dataspace = dataset.dataspace
        else {
            throw HDF5Error.invalid(structure: "object header", offset: dataset.address, reason: "not a chunked dataset")
        }
        let context = self.context
        let filtered = !dataset.filters.isEmpty
        let records: [ChunkRecord]
        if case .bTreeV1 = chunked.index, let address = chunked.address, let firstExtent = chunked.chunkShape.first {
            guard dataspace.kind == .simple, dataspace.dimensions.count == chunked.chunkShape.count else {
                throw HDF5Error.invalid(
                    structure: "chunk index", offset: address,
                    reason: "chunks of rank \(chunked.chunkShape.count) in a dataspace of rank \(dataspace.dimensions.count)")
            }
            records = try await bTreeV1ChunkRecords(
                address: address, dimensionality: chunked.chunkShape.count, firstExtent: firstExtent, rows: rows)
        } else {
            records = try await store.decode { view in
                try ChunkIndexReader.records(
                    view: view, layout: layout, dataspace: dataspace, filtered: filtered, context: context, rows: rows)
            }
        }
        let map = try ChunkMap(records: records, chunkShape: chunked.chunkShape)
        // B-trees and arrays are read in part for a slice: such a map is not kept.
        let isWhole: Bool
        switch chunked.index {
        case .bTreeV1, .bTreeV2, .fixedArray, .extensibleArray: isWhole = rows == nil
        case .singleChunk, .implicit: isWhole = true
        }
        if isWhole { await objects.insert(map, at: dataset.address) }
        return map
    }

    /// The external files holding a contiguous dataset's data (IV.A.2.h), as one source. Names
    /// are taken relative to the HDF5 file's directory, then to the working directory
    /// (libhdf5's default); only local files can have external storage read.
    func externalSource(_ message: HeaderMessage, of dataset: HDF5Object) async throws -> SegmentedSource {
        guard let local = source as? MappedFileSource else {
            throw HDF5Error.unsupported(
                feature: "external data files of a dataset in a remote file", structure: "dataset", offset: dataset.address)
        }
        let context = self.context
        let (files, slots) = try await store.decode { view in
            var cursor = message.cursor("external data files message")
            let external = try ExternalDataFilesMessage(parsing: &cursor, context: context)
            guard let heapAddress = external.heapAddress else {
                throw cursor.invalid("external data files message without a name heap")
            }
            let heap = try LocalHeap.read(view: view, address: heapAddress, context: context)
            return (try external.slots.map { try heap.string(at: $0.nameOffset, view: view) }, external.slots)
        }
        let directory = local.name.contains("/") ? String(local.name[..<(local.name.lastIndex(of: "/") ?? local.name.endIndex)]) : "."
        var segments: [SegmentedSource.Segment] = []
        for (name, slot) in zip(files, slots) {
            let candidates = name.hasPrefix("/") ? [name] : [directory + "/" + name, name]
            guard let file = candidates.lazy.compactMap({ try? MappedFileSource(path: $0) }).first else {
                throw ByteSourceError.cannotOpen(name: name, reason: "external data file of \(local.name) not found")
            }
            let available = file.size > slot.fileOffset ? file.size - slot.fileOffset : 0
            segments.append(
                SegmentedSource.Segment(source: file, offset: slot.fileOffset, length: min(slot.size ?? available, available)))
        }
        return try SegmentedSource(name: "external data of \(local.name)", segments: segments)
    }

    /// The fill value's bytes (new or old fill value message); nil, for zeros, when none is
    /// defined or its size is not the element's.
    func fillValue(of dataset: HDF5Object, elementSize: Int) throws -> [UInt8]? {
        if let message = dataset.header.firstMessage(of: .fillValue) {
            var cursor = message.cursor("fill value message")
            let fill = try FillValueMessage(parsing: &cursor, context: context)
            guard let value = fill.value, value.count == elementSize else { return nil }
            return value.array
        }
        if let message = dataset.header.firstMessage(of: .fillValueOld) {
            var cursor = message.cursor("fill value message (old)")
            let fill = try FillValueMessage(parsingOld: &cursor, context: context)
            guard let value = fill.value, value.count == elementSize else { return nil }
            return value.array
        }
        return nil
    }
}

/// The chunk map of a chunked dataset: chunk grid coordinates to stored chunks.
struct ChunkMap: ChunkLocator {
    /// Every allocated chunk, in the index's order.
    let records: [ChunkRecord]
    private let chunks: [[UInt64]: StoredChunk]

    init(records: [ChunkRecord], chunkShape: [UInt64]) throws {
        var chunks: [[UInt64]: StoredChunk] = [:]
        for record in records {
            guard record.offsets.count == chunkShape.count else {
                throw HDF5Error.invalid(
                    structure: "chunk index", offset: record.address,
                    reason: "chunk offsets \(record.offsets) do not have the dataset's rank \(chunkShape.count)")
            }
            let coordinates = zip(record.offsets, chunkShape).map { $0 / $1 }
            chunks[coordinates] = StoredChunk(
                range: ByteRange(offset: record.address, length: UInt64(record.size)), filterMask: record.filterMask)
        }
        self.chunks = chunks
        self.records = records
    }

    func chunk(at coordinates: [UInt64]) throws -> StoredChunk? { chunks[coordinates] }
}

/// Contiguous storage seen as a grid of virtual chunks along the first dimension, each about
/// `virtualChunkBytes` long, so that a selection maps onto byte runs the same way as for
/// chunked data (and so that an index export can name the runs as chunks).
struct ContiguousLocator: ChunkLocator {
    /// The size aimed at for a virtual chunk.
    static let virtualChunkBytes: UInt64 = 1 << 20

    let address: UInt64?
    let size: UInt64
    let layout: ArrayLayout

    /// Whole rows (all but the first dimension) per virtual chunk, as many as fit in about
    /// `virtualChunkBytes`, at least one.
    static func virtualChunkShape(shape: [UInt64], elementSize: Int) -> [UInt64] {
        guard let first = shape.first else { return [] }
        let rowBytes = shape.dropFirst().reduce(UInt64(elementSize)) { $0.multipliedReportingOverflow(by: max($1, 1)).partialValue }
        let rows = max(1, min(max(first, 1), virtualChunkBytes / max(rowBytes, 1)))
        return [rows] + shape.dropFirst().map { max($0, 1) }
    }

    func chunk(at coordinates: [UInt64]) throws -> StoredChunk? {
        guard let address, let chunkBytes = layout.chunkByteCount, let first = coordinates.first else { return nil }
        let (start, overflow) = first.multipliedReportingOverflow(by: UInt64(chunkBytes))
        guard !overflow, start < size else {
            throw HDF5Error.invalid(
                structure: "contiguous storage", offset: address,
                reason: "virtual chunk \(coordinates) starts past the stored \(size) bytes")
        }
        // The last virtual chunk ends where the data ends.
        return StoredChunk(range: ByteRange(offset: address + start, length: min(UInt64(chunkBytes), size - start)))
    }
}

/// A single chunk holding everything (compact storage).
struct SingleChunkLocator: ChunkLocator {
    let chunk: StoredChunk
    func chunk(at coordinates: [UInt64]) throws -> StoredChunk? { chunk }
}
