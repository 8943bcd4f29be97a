/// The inheritance of the NWB core and hdmf-common types (NWB schema 2.x), for asking whether
/// an object's `neurodata_type` is a given type or derived from it. Types of extensions are
/// matched by name only.
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
        var current = type
        for _ in 0...parents.count {
            if current == ancestor { return true }
            guard let parent = parents[current] else { return false }
            current = parent
        }
        return false
    }
}
