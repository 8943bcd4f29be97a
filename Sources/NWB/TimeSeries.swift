import ArrayEngine
import HDF5
import HDF5Format

/// A `TimeSeries` of an NWB file, or a type derived from it (`ElectricalSeries`,
/// `SpatialSeries`...): its data, how its samples are timed, and how stored values map to
/// physical units.
///
/// Samples are along the first dimension of `data`. Their times are either regular
/// (`starting_time` and its `rate` attribute) or listed (`timestamps`, one per sample), in
/// seconds from the file's `timestamps_reference_time`.
public struct TimeSeries: Sendable {
    /// How the samples are timed.
    public enum Timing: Sendable, Equatable {
        /// Sample `i` is at `startingTime + i / rate`.
        case regular(startingTime: Double, rate: Double)
        /// Sample `i` is at `timestamps[i]`, a dataset at `path` of `count` values.
        case timestamps(path: String, count: UInt64)
    }

    /// The file the series belongs to.
    public let file: NWBFile
    /// The series group.
    public let group: NWBObject
    /// The `data` dataset.
    public let data: NWBObject
    /// The shape of `data`: samples first.
    public let shape: [UInt64]
    /// `data`'s `unit` attribute (the physical unit after scaling).
    public let unit: String
    /// `data`'s `conversion` attribute (1 when absent): physical = stored × conversion + offset.
    public let conversion: Double
    /// `data`'s `offset` attribute (0 when absent).
    public let offset: Double
    /// `data`'s `resolution` attribute: the smallest meaningful difference, -1 when unknown.
    public let resolution: Double?
    /// How the samples are timed.
    public let timing: Timing

    /// The series' path.
    public var path: String { group.path }
    /// The series' `neurodata_type`.
    public var neurodataType: String? { group.neurodataType }
    /// The series' `description` attribute.
    public var description: String? { group.object.stringAttribute("description") }
    /// The number of samples (the first dimension of `data`).
    public var sampleCount: UInt64 { shape.first ?? 0 }

    /// Reads a series' metadata. `object` may be the series group or its `data` dataset.
    public init(file: NWBFile, object: NWBObject) async throws {
        var group = object
        if object.object.kind == .dataset, Self.name(of: object.path) == "data" {
            group = try await file.object(at: NWBFile.parent(of: object.path))
        }
        guard Self.hasTimeSeriesShape(group) else {
            throw NWBError.wrongType(
                path: object.path, expected: "TimeSeries",
                found: group.neurodataType ?? group.object.kind.rawValue)
        }
        self.file = file
        self.group = group
        data = try await file.object(at: group.memberPath("data"))
        guard data.object.kind == .dataset, let dataspace = data.object.dataspace else {
            throw NWBError.wrongType(path: data.path, expected: "dataset", found: data.object.kind.rawValue)
        }
        shape = dataspace.kind == .scalar ? [1] : dataspace.dimensions
        // Selections take signed 64-bit bounds.
        guard shape.allSatisfy({ $0 <= UInt64(Int64.max) }) else {
            throw NWBError.invalid(path: data.path, reason: "shape \(shape) is too large to index")
        }
        unit = data.object.stringAttribute("unit") ?? "unknown"
        conversion = data.object.doubleAttribute("conversion") ?? 1
        offset = data.object.doubleAttribute("offset") ?? 0
        resolution = data.object.doubleAttribute("resolution")
        if group.hasMember("timestamps") {
            let timestamps = try await file.object(at: group.memberPath("timestamps"))
            guard let count = timestamps.object.dataspace?.dimensions.first,
                timestamps.object.dataspace?.dimensions.count == 1, count <= UInt64(Int64.max)
            else { throw NWBError.invalid(path: timestamps.path, reason: "timestamps are not one-dimensional") }
            timing = .timestamps(path: timestamps.path, count: count)
        } else {
            let starting = try await file.object(at: group.memberPath("starting_time"))
            guard let rate = starting.object.doubleAttribute("rate") else {
                throw NWBError.missingField(path: starting.path, field: "rate attribute")
            }
            guard rate > 0, rate.isFinite else {
                throw NWBError.invalid(path: starting.path, reason: "rate \(rate) is not a positive number")
            }
            let start = try await file.hdf5.doubles(of: try await file.hdf5.read(starting.object), path: starting.path)
            guard let startingTime = start.first else { throw NWBError.invalid(path: starting.path, reason: "is empty") }
            timing = .regular(startingTime: startingTime, rate: rate)
        }
    }

    /// True when a group has what every `TimeSeries` has: `data`, and `timestamps` or
    /// `starting_time`.
    public static func hasTimeSeriesShape(_ object: NWBObject) -> Bool {
        object.object.kind == .group && object.hasMember("data")
            && (object.hasMember("timestamps") || object.hasMember("starting_time"))
    }

    static func name(of path: String) -> String { NWBFile.name(of: path) }

    /// The sampling rate in Hz: `starting_time`'s `rate`, nil for a series with timestamps.
    public var rate: Double? {
        guard case .regular(_, let rate) = timing else { return nil }
        return rate
    }

    /// The times of the first and last samples (reads two timestamps when the series has
    /// them; an `ImageSeries` of external files has timestamps and no data), or nil for a
    /// series without samples.
    public func timeBounds() async throws -> ClosedRange<Double>? {
        switch timing {
        case .regular(let startingTime, let rate):
            guard sampleCount > 0 else { return nil }
            return startingTime...(startingTime + Double(sampleCount - 1) / rate)
        case .timestamps(let path, let count):
            guard count > 0 else { return nil }
            let first = try await timestamps(in: 0..<1)
            let last = try await timestamps(in: (count - 1)..<count)
            guard let low = first.first, let high = last.first, low <= high else {
                throw NWBError.invalid(path: path, reason: "timestamps are not in increasing order")
            }
            return low...high
        }
    }

    /// The timestamps of the samples in `samples`: computed for a regular series, read for
    /// one with timestamps.
    public func timestamps(in samples: Range<UInt64>) async throws -> [Double] {
        var available = sampleCount
        if case .timestamps(_, let count) = timing { available = count }
        guard samples.upperBound <= available else {
            throw NWBError.invalid(path: path, reason: "samples \(samples) are past its \(available) timestamps")
        }
        switch timing {
        case .regular(let startingTime, let rate):
            // As pynwb computes them: index / rate + starting_time.
            return samples.map { Double($0) / rate + startingTime }
        case .timestamps(let path, _):
            let dataset = try await file.object(at: path)
            let selection = Selection([.slice(start: Int64(samples.lowerBound), stop: Int64(samples.upperBound), step: nil)])
            return try await file.hdf5.doubles(of: try await file.hdf5.read(dataset.object, selection: selection), path: path)
        }
    }

    /// The samples whose times `t` satisfy `time.lowerBound <= t < time.upperBound`.
    ///
    /// A regular series computes the indices; a series with timestamps finds them by a search
    /// that reads a few strided probes of the timestamps per round (see
    /// `TimestampSearch`), never the whole array.
    public func sampleRange(for time: Range<Double>) async throws -> Range<UInt64> {
        let first = try await firstSample(atOrAfter: time.lowerBound)
        let end = try await firstSample(atOrAfter: time.upperBound)
        return first..<max(first, end)
    }

    /// The index of the first sample at or after `time` (`sampleCount` when there is none).
    func firstSample(atOrAfter time: Double) async throws -> UInt64 {
        switch timing {
        case .regular(let startingTime, let rate):
            let count = sampleCount
            guard time.isFinite else { return time < 0 ? 0 : count }
            let estimate = ((time - startingTime) * rate).rounded(.up)
            guard estimate > 0 else { return 0 }
            guard estimate < Double(count) else { return count }
            // The estimate may be one off where the division rounds: settle on exact times.
            var index = UInt64(estimate)
            let timeOf = { (index: UInt64) in Double(index) / rate + startingTime }
            while index > 0, timeOf(index - 1) >= time { index -= 1 }
            while index < count, timeOf(index) < time { index += 1 }
            return index
        case .timestamps(let path, let count):
            let dataset = try await file.object(at: path)
            return try await TimestampSearch(file: file.hdf5, dataset: dataset.object, path: path, count: count)
                .firstIndex(atOrAfter: time)
        }
    }

    /// Reads the samples in `samples` (rows of `data`), and of each the channels (second
    /// dimension) in `channels`, all of them when nil.
    public func read(samples: Range<UInt64>, channels: Range<Int>? = nil) async throws -> TimeSeriesWindow {
        guard samples.upperBound <= sampleCount else {
            throw NWBError.invalid(path: data.path, reason: "samples \(samples) are past its \(sampleCount) samples")
        }
        var dimensions: [Selection.Dimension] = [
            .slice(start: Int64(samples.lowerBound), stop: Int64(samples.upperBound), step: nil)
        ]
        if let channels {
            guard shape.count >= 2, channels.lowerBound >= 0, UInt64(channels.upperBound) <= shape[1] else {
                throw NWBError.invalid(
                    path: data.path, reason: "channels \(channels) are not within its shape \(shape)")
            }
            dimensions.append(.slice(start: Int64(channels.lowerBound), stop: Int64(channels.upperBound), step: nil))
        }
        let isScalar = data.object.dataspace?.kind == .scalar
        let slice = try await file.hdf5.read(data.object, selection: isScalar ? .all : Selection(dimensions))
        return TimeSeriesWindow(series: self, samples: samples, channels: channels, slice: slice)
    }

    /// Reads the samples whose times fall in `time` (seconds, end excluded), and of each the
    /// channels in `channels`: maps the times to sample indices (`sampleRange(for:)`), then
    /// reads only those rows.
    public func read(time: Range<Double>, channels: Range<Int>? = nil) async throws -> TimeSeriesWindow {
        try await read(samples: try await sampleRange(for: time), channels: channels)
    }

    /// For an `ElectricalSeries` (or any series with an `electrodes` region): the rows of the
    /// electrodes table its channels were recorded on.
    public func electrodes() async throws -> DynamicTableRegion? {
        guard group.hasMember("electrodes") else { return nil }
        return try await DynamicTableRegion(file: file, object: try await file.object(at: group.memberPath("electrodes")))
    }

    /// An `ElectricalSeries`' `channel_conversion`: a per-channel factor applied on top of
    /// `conversion`, or nil when absent.
    public func channelConversion() async throws -> [Double]? {
        guard group.hasMember("channel_conversion") else { return nil }
        let dataset = try await file.object(at: group.memberPath("channel_conversion"))
        return try await file.hdf5.doubles(of: try await file.hdf5.read(dataset.object), path: dataset.path)
    }
}

/// Samples read from a `TimeSeries`: the stored elements, and the means to get their times
/// and their values in physical units.
public struct TimeSeriesWindow: Sendable {
    /// The series read.
    public let series: TimeSeries
    /// The samples read (rows of `data`).
    public let samples: Range<UInt64>
    /// The channels read, nil for all.
    public let channels: Range<Int>?
    /// The elements as stored (row-major, the file's byte order) and their shape.
    public let slice: DatasetSlice

    /// The shape read: samples first.
    public var shape: [UInt64] { slice.shape }

    /// The decoded stored values, flattened row-major.
    public func values() async throws -> [Value] {
        try await series.file.hdf5.values(of: slice, structure: series.data.path)
    }

    /// The stored values as `Double`s, unscaled.
    public func storedValues() async throws -> [Double] {
        try await series.file.hdf5.doubles(of: slice, path: series.data.path)
    }

    /// The values in the physical unit (`series.unit`), as float64: stored × conversion
    /// (× the channel's `channel_conversion`, for an `ElectricalSeries` that has one) + offset, computed
    /// as pynwb's `get_data_in_units` computes it.
    public func physicalValues() async throws -> [Double] {
        let stored = try await storedValues()
        let conversion = series.conversion
        let offset = series.offset
        guard let perChannel = try await series.channelConversion(), series.shape.count >= 2 else {
            return stored.map { $0 * conversion + offset }
        }
        let first = channels?.lowerBound ?? 0
        let width = slice.shape.count >= 2 ? Int(slice.shape[1]) : 1
        let columnSize = slice.shape.dropFirst(2).reduce(1) { $0 * Int($1) }
        return stored.enumerated().map { index, value in
            let channel = first + (index / columnSize) % max(width, 1)
            let factor = channel < perChannel.count ? perChannel[channel] : 1
            // As pynwb: the factors multiplied first, then the value.
            return value * (conversion * factor) + offset
        }
    }

    /// The time of each sample read.
    public func timestamps() async throws -> [Double] {
        try await series.timestamps(in: samples)
    }
}
