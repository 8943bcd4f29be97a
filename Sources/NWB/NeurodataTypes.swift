import Foundation
import HDF5
import HDF5Format

/// The inheritance of the NWB core and hdmf-common types (NWB schema 2.x), for asking whether
/// an object's `neurodata_type` is a given type or derived from it, when a file does not cache
/// its schema (`TypeHierarchy` reads the cached one).
enum NeurodataTypes {
    /// Each derived type's parent (`neurodata_type_inc` in the schema).
    static let parents: [String: String] = [
        // Time series (core: base, ecephys, icephys, ophys, ogen, behavior, image, misc).
        "ElectricalSeries": "TimeSeries", "SpikeEventSeries": "ElectricalSeries",
        "PatchClampSeries": "TimeSeries", "CurrentClampSeries": "PatchClampSeries",
        "IZeroClampSeries": "CurrentClampSeries", "CurrentClampStimulusSeries": "PatchClampSeries",
        "VoltageClampSeries": "PatchClampSeries", "VoltageClampStimulusSeries": "PatchClampSeries",
        "ImageSeries": "TimeSeries", "ImageMaskSeries": "ImageSeries", "OpticalSeries": "ImageSeries",
        "TwoPhotonSeries": "ImageSeries", "OnePhotonSeries": "ImageSeries",
        "IndexSeries": "TimeSeries", "RoiResponseSeries": "TimeSeries", "SpatialSeries": "TimeSeries",
        "AnnotationSeries": "TimeSeries", "IntervalSeries": "TimeSeries", "OptogeneticSeries": "TimeSeries",
        "DecompositionSeries": "TimeSeries", "AbstractFeatureSeries": "TimeSeries",
        // Tables (hdmf-common and core).
        "Units": "DynamicTable", "TimeIntervals": "DynamicTable", "ElectrodesTable": "DynamicTable",
        "PlaneSegmentation": "DynamicTable", "FrequencyBandsTable": "DynamicTable", "SweepTable": "DynamicTable",
        "IntracellularElectrodesTable": "DynamicTable", "IntracellularStimuliTable": "DynamicTable",
        "IntracellularResponsesTable": "DynamicTable", "AlignedDynamicTable": "DynamicTable",
        "IntracellularRecordingsTable": "AlignedDynamicTable", "SimultaneousRecordingsTable": "DynamicTable",
        "SequentialRecordingsTable": "DynamicTable", "RepetitionsTable": "DynamicTable",
        "ExperimentalConditionsTable": "DynamicTable",
        // Columns.
        "VectorIndex": "VectorData", "DynamicTableRegion": "VectorData", "EnumData": "VectorData",
    ]

    /// True when `type` is `ancestor` or derives from it. The walk up is bounded by the table's
    /// size, so a cycle in it cannot loop.
    static func isType(_ type: String, a ancestor: String) -> Bool {
        TypeHierarchy.builtIn.isType(type, a: ancestor)
    }
}

/// Which neurodata type derives from which: the NWB core and hdmf-common types, and those of
/// the schema a file caches in `/specifications` (its extensions' types included).
public struct TypeHierarchy: Sendable {
    /// Each derived type's parent (`neurodata_type_inc`, or hdmf's `data_type_inc`).
    public let parents: [String: String]

    /// The core and hdmf-common types only.
    public static let builtIn = TypeHierarchy(parents: NeurodataTypes.parents)

    /// Spec nodes read from one cached document, at most (a bound on untrusted input).
    static let maximumSpecNodes = 100_000

    /// True when `type` is `ancestor` or derives from it. The walk up is bounded by the
    /// table's size, so a cycle in it cannot loop.
    public func isType(_ type: String, a ancestor: String) -> Bool {
        var current = type
        for _ in 0...parents.count {
            if current == ancestor { return true }
            guard let parent = parents[current] else { return false }
            current = parent
        }
        return false
    }

    /// The built-in types, and those defined by the JSON spec documents under the group at
    /// `specificationsPath` (`/specifications/<namespace>/<version>/<document>`).
    static func cached(in file: HDF5File, specificationsPath: String) async throws -> TypeHierarchy {
        var parents = NeurodataTypes.parents
        for entry in try await file.walk(from: specificationsPath, recursive: true) {
            guard case .object(let object) = entry.target, object.kind == .dataset, object.dataspace?.kind == .scalar,
                case .string(let text) = try await file.values(of: try await file.read(object)).first,
                let document = try? JSONSerialization.jsonObject(with: Data(text.utf8))
            else { continue }
            // Type definitions nest (a group spec lists its member groups and datasets): walk
            // the document with an explicit, bounded stack.
            var stack: [Any] = [document]
            var visited = 0
            while let node = stack.popLast(), visited < maximumSpecNodes {
                visited += 1
                if let list = node as? [Any] {
                    stack += list
                } else if let spec = node as? [String: Any] {
                    let defined = (spec["neurodata_type_def"] ?? spec["data_type_def"]) as? String
                    let included = (spec["neurodata_type_inc"] ?? spec["data_type_inc"]) as? String
                    if let defined, let included, defined != included { parents[defined] = included }
                    for key in ["groups", "datasets"] { if let members = spec[key] { stack.append(members) } }
                }
            }
        }
        return TypeHierarchy(parents: parents)
    }
}
