import HDF5
import HDF5Format

/// A `DynamicTableRegion` dataset on its own (an `ElectricalSeries`' `electrodes`): row
/// indices into the table its `table` attribute references.
public struct DynamicTableRegion: Sendable {
    /// The region dataset.
    public let region: NWBObject
    /// The table pointed into.
    public let table: DynamicTable
    /// The row positions the region holds, in order.
    public let indices: [Int]

    /// Reads a region and the structure of its target table.
    public init(file: NWBFile, object: NWBObject) async throws {
        guard let target = try await file.referencedObject("table", of: object) else {
            throw NWBError.missingField(path: object.path, field: "table attribute")
        }
        region = object
        table = try await DynamicTable(file: file, object: target)
        indices = try await file.hdf5.values(of: try await file.hdf5.read(object.object), structure: object.path).map { value in
            guard let index = value.integerValue, let position = Int(exactly: index) else {
                throw NWBError.invalid(path: object.path, reason: "holds \(value), not a row index")
            }
            return position
        }
    }

    /// The region's `description` attribute.
    public var description: String? { region.object.stringAttribute("description") }

    /// The rows of the target table the region points to, in the region's order.
    public func rows(columns: [String]? = nil) async throws -> [DynamicTable.Row] {
        let all = try await table.rows(at: indices)
        guard let columns else { return all }
        return all.map { row in
            DynamicTable.Row(index: row.index, id: row.id, columnNames: columns, cells: columns.compactMap { row[$0] })
        }
    }
}
