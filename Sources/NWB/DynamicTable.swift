import ArrayEngine
import HDF5
import HDF5Format

/// One cell of a `DynamicTable`: a value, or for a ragged column (and for a column whose
/// elements are arrays) a list of cells.
public indirect enum Cell: Sendable, Equatable {
    case value(Value)
    case list([Cell])

    /// Every value of the cell, flattened.
    public var flattened: [Value] {
        switch self {
        case .value(let value): return [value]
        case .list(let cells): return cells.flatMap(\.flattened)
        }
    }
}

/// A `DynamicTable` of an NWB file (hdmf-common): `units`, `electrodes`, `trials`, or any table.
///
/// A table is a group of equally long columns (`VectorData` datasets named by the `colnames`
/// attribute) and an `id` column (`ElementIdentifiers`). A ragged column's rows are runs of its
/// data delimited by a `VectorIndex` (`<name>_index`, whose `target` attribute references the
/// data): row `i` is `data[index[i-1] ..< index[i]]`. A doubly ragged column has an index of its
/// index (`<name>_index_index`). A `DynamicTableRegion` column holds row indices into the table
/// its `table` attribute references.
public struct DynamicTable: Sendable {
    /// One column: its data and, for a ragged column, its indexes.
    public struct Column: Sendable {
        /// The column's name (an entry of `colnames`).
        public let name: String
        /// The `VectorData` (or `DynamicTableRegion`) dataset.
        public let data: NWBObject
        /// The `VectorIndex` datasets, the one that indexes `data` first; empty when not ragged.
        public let indexes: [NWBObject]

        /// The column's `description` attribute.
        public var description: String? { data.object.stringAttribute("description") }
        /// True when the column's rows are runs of its data.
        public var isRagged: Bool { !indexes.isEmpty }
        /// True when the column holds row indices into another table.
        public var isRegion: Bool { data.neurodataType.map { NeurodataTypes.isType($0, a: "DynamicTableRegion") } ?? false }
    }

    /// One row: its position, its id and its cells, in the order of the columns asked for.
    public struct Row: Sendable, Equatable {
        /// The row's position in the table (0-based).
        public let index: Int
        /// The row's `id`.
        public let id: Int64
        /// The columns' names, in the order of `cells`.
        public let columnNames: [String]
        /// The cells.
        public let cells: [Cell]

        /// The cell of the column named `name`.
        public subscript(_ name: String) -> Cell? {
            columnNames.firstIndex(of: name).map { cells[$0] }
        }
    }

    /// The file the table belongs to.
    public let file: NWBFile
    /// The table's group.
    public let group: NWBObject
    /// The columns, in `colnames` order.
    public let columns: [Column]
    /// The `id` dataset.
    public let ids: NWBObject
    /// The number of rows (the length of `id`).
    public let rowCount: Int

    /// The table's path.
    public var path: String { group.path }
    /// The table's `neurodata_type`.
    public var neurodataType: String? { group.neurodataType }
    /// The table's `description` attribute.
    public var description: String? { group.object.stringAttribute("description") }
    /// The columns' names, in `colnames` order.
    public var columnNames: [String] { columns.map(\.name) }

    /// Reads a table's structure: its columns and their indexes. No column is read.
    public init(file: NWBFile, object: NWBObject) async throws {
        guard object.object.kind == .group, let names = object.object.stringsAttribute("colnames") else {
            throw NWBError.wrongType(
                path: object.path, expected: "DynamicTable", found: object.neurodataType ?? object.object.kind.rawValue)
        }
        guard object.hasMember("id") else { throw NWBError.missingField(path: object.path, field: "id") }
        self.file = file
        group = object
        ids = try await file.object(at: object.memberPath("id"))
        guard let length = ids.object.dataspace?.dimensions.first, length <= UInt64(Int.max) else {
            throw NWBError.invalid(path: ids.path, reason: "is not a one-dimensional list of ids")
        }
        rowCount = Int(length)
        // Every member dataset, and which one each VectorIndex indexes (by its `target`).
        var members: [String: NWBObject] = [:]
        var indexOf: [UInt64: NWBObject] = [:]
        for member in try await file.members(of: object) {
            members[NWBFile.name(of: member.path)] = member
            if member.neurodataType == "VectorIndex", let target = member.object.referenceAttribute("target") {
                indexOf[target] = member
            }
        }
        // Older writers leave out `target`: then the name (`<indexed>_index`) says what is indexed.
        for (name, member) in members where member.neurodataType == "VectorIndex" && member.object.referenceAttribute("target") == nil {
            if name.hasSuffix("_index"), let target = members[String(name.dropLast(6))] { indexOf[target.object.address] = member }
        }
        columns = try names.map { name in
            guard let data = members[name] else { throw NWBError.missingField(path: object.path, field: "column \(name)") }
            var indexes: [NWBObject] = []
            var indexed = data.object.address
            // A column is at most doubly ragged in the schema; a chain that comes back to an
            // object already in it (an index targeting itself) ends there.
            var visited: Set<UInt64> = [indexed]
            while let index = indexOf[indexed], visited.insert(index.object.address).inserted {
                indexes.append(index)
                indexed = index.object.address
            }
            return Column(name: name, data: data, indexes: indexes)
        }
    }

    /// The column named `name`; throws `NWBError.noSuchColumn` listing the table's columns.
    public func column(_ name: String) throws -> Column {
        guard let column = columns.first(where: { $0.name == name }) else {
            throw NWBError.noSuchColumn(table: path, column: name, available: columnNames)
        }
        return column
    }

    // MARK: - Reading columns

    /// The ids of the rows in `rows` (all rows when nil).
    public func ids(rows: Range<Int>? = nil) async throws -> [Int64] {
        let range = try checked(rows)
        return try await read(ids, range: UInt64(range.lowerBound)..<UInt64(range.upperBound)).map { cell in
            guard case .value(let value) = cell, let id = value.integerValue else {
                throw NWBError.invalid(path: ids.path, reason: "holds \(cell), not an integer id")
            }
            return id
        }
    }

    /// The cells of column `name` for the rows in `rows` (all rows when nil). A ragged
    /// column reads one run of each index and one run of its data, whatever the number of rows.
    public func cells(_ name: String, rows: Range<Int>? = nil) async throws -> [Cell] {
        let column = try column(name)
        let range = try checked(rows)
        return try await cells(of: column, level: column.indexes.count, range: UInt64(range.lowerBound)..<UInt64(range.upperBound))
    }

    /// A numeric column's values as `Double`s (not ragged).
    public func doubles(_ name: String, rows: Range<Int>? = nil) async throws -> [Double] {
        try await scalars(name, rows: rows, as: "numbers") { $0.doubleValue }
    }

    /// An integer column's values (not ragged).
    public func integers(_ name: String, rows: Range<Int>? = nil) async throws -> [Int64] {
        try await scalars(name, rows: rows, as: "integers") { $0.integerValue }
    }

    /// A text column's values (not ragged).
    public func strings(_ name: String, rows: Range<Int>? = nil) async throws -> [String] {
        try await scalars(name, rows: rows, as: "text") { $0.stringValue }
    }

    private func scalars<T>(_ name: String, rows: Range<Int>?, as kind: String, _ convert: (Value) -> T?) async throws -> [T] {
        let column = try column(name)
        return try await cells(name, rows: rows).map { cell in
            guard case .value(let value) = cell, let converted = convert(value) else {
                throw NWBError.invalid(path: column.data.path, reason: "holds \(cell), not \(kind)")
            }
            return converted
        }
    }

    // MARK: - Rows

    /// The rows in `range`, with the cells of `columnNames` (every column when nil). Columns
    /// are read concurrently (over a remote source, their fetches overlap); `progress`, if
    /// given, is told the fraction of them read.
    public func rows(
        _ range: Range<Int>, columns columnNames: [String]? = nil,
        progress: (@Sendable (Double) async -> Void)? = nil
    ) async throws -> [Row] {
        let range = try checked(range)
        let names = columnNames ?? self.columnNames
        let rowIDs = try await ids(rows: range)
        for name in names { _ = try column(name) }
        let columnsCells = try await withThrowingTaskGroup(of: (Int, [Cell]).self) { group in
            for (position, name) in names.enumerated() {
                group.addTask { (position, try await self.cells(name, rows: range)) }
            }
            var read = [[Cell]](repeating: [], count: names.count)
            var done = 0
            for try await (position, cells) in group {
                read[position] = cells
                done += 1
                await progress?(Double(done) / Double(names.count))
            }
            return read
        }
        return rowIDs.enumerated().map { offset, id in
            Row(index: range.lowerBound + offset, id: id, columnNames: names, cells: columnsCells.map { $0[offset] })
        }
    }

    /// The row at position `index`.
    public func row(at index: Int) async throws -> Row {
        guard index >= 0, index < rowCount else {
            throw NWBError.noSuchRow(table: path, row: "at index \(index)", rowCount: rowCount)
        }
        return try await rows(index..<(index + 1))[0]
    }

    /// The row whose `id` is `id`.
    public func row(id: Int64) async throws -> Row {
        guard let index = try await ids().firstIndex(of: id) else {
            throw NWBError.noSuchRow(table: path, row: "with id \(id)", rowCount: rowCount)
        }
        return try await row(at: index)
    }

    /// The rows at the positions `indices`, in that order. Nearby positions are read together
    /// (one read per column for each run of positions less than `runGap` apart), so that a few
    /// rows far apart do not read everything between them.
    public func rows(at indices: [Int]) async throws -> [Row] {
        let wanted = Set(indices)
        let sorted = wanted.sorted()
        guard let low = sorted.first, let high = sorted.last else { return [] }
        guard low >= 0, high < rowCount else {
            throw NWBError.noSuchRow(table: path, row: "at index \(low < 0 ? low : high)", rowCount: rowCount)
        }
        var byIndex: [Int: Row] = [:]
        var runStart = low
        for (position, index) in sorted.enumerated() {
            let next = position + 1 < sorted.count ? sorted[position + 1] : nil
            guard next.map({ $0 - index >= Self.runGap }) ?? true else { continue }
            for row in try await rows(runStart..<(index + 1)) where wanted.contains(row.index) { byIndex[row.index] = row }
            runStart = next ?? index
        }
        return indices.compactMap { byIndex[$0] }
    }

    /// Row positions closer than this are read in one run by `rows(at:)`.
    static let runGap = 256

    // MARK: - Regions and units

    /// The table a `DynamicTableRegion` column points into.
    public func regionTarget(_ name: String) async throws -> DynamicTable {
        let column = try column(name)
        guard column.isRegion, let target = try await file.referencedObject("table", of: column.data) else {
            throw NWBError.wrongType(path: column.data.path, expected: "DynamicTableRegion", found: column.data.neurodataType ?? "dataset")
        }
        return try await DynamicTable(file: file, object: target)
    }

    /// The rows of the target table that the `DynamicTableRegion` column `name` holds for row
    /// `row` (a units table's `electrodes`: the electrodes of one unit).
    public func referencedRows(_ name: String, row: Int) async throws -> [Row] {
        let target = try await regionTarget(name)
        let indices = try await cells(name, rows: row..<(row + 1)).flatMap(\.flattened).map { value in
            guard let index = value.integerValue, let position = Int(exactly: index) else {
                throw NWBError.invalid(path: try column(name).data.path, reason: "holds \(value), not a row index")
            }
            return position
        }
        return try await target.rows(at: indices)
    }

    /// For a `Units` table: the spike times of the unit at position `unit`, reading two values
    /// of `spike_times_index` and one run of `spike_times`.
    public func spikeTimes(unit: Int) async throws -> [Double] {
        try await cells("spike_times", rows: unit..<(unit + 1)).flatMap(\.flattened).map { value in
            guard let time = value.doubleValue else {
                throw NWBError.invalid(path: group.memberPath("spike_times"), reason: "holds \(value), not a time")
            }
            return time
        }
    }

    // MARK: - Reading

    /// `rows` checked against the table, or every row when nil.
    private func checked(_ rows: Range<Int>?) throws -> Range<Int> {
        guard let rows else { return 0..<rowCount }
        guard rows.lowerBound >= 0, rows.upperBound <= rowCount else {
            throw NWBError.noSuchRow(table: path, row: "range \(rows.lowerBound)..<\(rows.upperBound)", rowCount: rowCount)
        }
        return rows
    }

    /// The cells of rows `range` of level `level` of a column: level 0 is the data, level `n`
    /// the `n`th index. Each level costs one read, whatever the number of rows.
    private func cells(of column: Column, level: Int, range: Range<UInt64>) async throws -> [Cell] {
        guard level > 0 else { return try await read(column.data, range: range) }
        let index = column.indexes[level - 1]
        let indexed = level == 1 ? column.data : column.indexes[level - 2]
        let bounds = try await boundaries(index, range: range, indexedLength: indexed.object.dataspace?.dimensions.first ?? 0)
        guard let first = bounds.first, let last = bounds.last else { return [] }
        let inner = try await cells(of: column, level: level - 1, range: first..<last)
        return (0..<(bounds.count - 1)).map { row in
            .list(Array(inner[Int(bounds[row] - first)..<Int(bounds[row + 1] - first)]))
        }
    }

    /// The run boundaries of rows `range` of a `VectorIndex`: `range.count + 1` offsets into
    /// what it indexes, checked to be non-decreasing and within `indexedLength`.
    private func boundaries(_ index: NWBObject, range: Range<UInt64>, indexedLength: UInt64) async throws -> [UInt64] {
        guard !range.isEmpty else { return [] }
        let start = range.lowerBound == 0 ? 0 : range.lowerBound - 1
        var bounds: [UInt64] = range.lowerBound == 0 ? [0] : []
        for cell in try await read(index, range: start..<range.upperBound) {
            guard case .value(let value) = cell, let bound = value.integerValue, bound >= 0 else {
                throw NWBError.invalid(path: index.path, reason: "holds \(cell), not an offset")
            }
            guard UInt64(bound) <= indexedLength, UInt64(bound) >= (bounds.last ?? 0) else {
                throw NWBError.invalid(
                    path: index.path,
                    reason: "offset \(bound) is out of order or past the \(indexedLength) elements it indexes")
            }
            bounds.append(UInt64(bound))
        }
        return bounds
    }

    /// Rows `range` of a dataset: one cell per row, a list when rows are arrays.
    private func read(_ dataset: NWBObject, range: Range<UInt64>) async throws -> [Cell] {
        guard let shape = dataset.object.dataspace?.dimensions, let length = shape.first, range.upperBound <= length,
            length <= UInt64(Int64.max)
        else {
            throw NWBError.invalid(path: dataset.path, reason: "rows \(range) are not within its shape")
        }
        let selection = Selection([.slice(start: Int64(range.lowerBound), stop: Int64(range.upperBound), step: nil)])
        let values = try await file.hdf5.values(
            of: try await file.hdf5.read(dataset.object, selection: selection), structure: dataset.path)
        guard shape.count > 1 else { return values.map(Cell.value) }
        let rowSize = values.count / max(Int(range.count), 1)
        guard rowSize > 0 else {
            // Rows of no elements (a dimension of size 0): nothing was read to bound their number.
            guard range.count <= UInt64(rowCount) else {
                throw NWBError.invalid(path: dataset.path, reason: "has more empty rows than the table has rows")
            }
            return Array(repeating: .list([]), count: Int(range.count))
        }
        return stride(from: 0, to: values.count, by: rowSize).map { start in
            .list(values[start..<(start + rowSize)].map(Cell.value))
        }
    }
}
