import ArrayEngine
import HDF5
import HDF5Format

/// An NWB file (Neurodata Without Borders 2.x) read through the HDF5 layer: its session
/// metadata, and its objects by path or by `neurodata_type`.
///
/// An `NWBFile` is opened from an `HDF5File`, whatever its byte source (a local file, a remote
/// object, an index). Reads go through that file, so they transfer only what they need.
///
/// ```swift
/// let nwb = try await NWBFile.open(path: "session.nwb")
/// let series = try await nwb.timeSeries(at: "/acquisition/ElectricalSeries")
/// let window = try await series.read(time: 10.0..<14.0, channels: 0..<4)
/// ```
public final class NWBFile: Sendable {
    /// The HDF5 file underneath.
    public let hdf5: HDF5File
    /// The root group.
    public let root: NWBObject
    /// The NWB schema version the file was written with (the root's `nwb_version`).
    public let nwbVersion: String
    /// The type hierarchy, read from the cached schema once.
    private let hierarchy = TypeHierarchyCache()

    /// The NWB file in `file`: reads its root group; throws `NWBError.wrongType` when the root
    /// group is not an `NWBFile`, `NWBError.missingField` without `nwb_version`.
    ///
    /// `prefetching` names the paths the caller reads next: remotely, the fetches the root needs
    /// also bring the first steps towards them (`HDF5File.root(prefetching:)`).
    public init(_ file: HDF5File, prefetching paths: [String] = []) async throws {
        hdf5 = file
        root = NWBObject(path: "/", object: try await file.root(prefetching: paths))
        guard root.neurodataType == "NWBFile" else {
            throw NWBError.wrongType(path: "/", expected: "NWBFile", found: root.neurodataType ?? "group without neurodata_type")
        }
        guard let version = root.object.stringAttribute("nwb_version") else {
            throw NWBError.missingField(path: "/", field: "nwb_version attribute")
        }
        nwbVersion = version
    }

    /// The session's text fields, read now (each call reads them again): opening the file does
    /// not, as reading a table or a series needs none of them. Remotely, the four strings cost
    /// one round of requests together. Throws `NWBError.missingField` when a required one is
    /// absent.
    public func session() async throws -> Session {
        let file = hdf5
        async let identifier = Self.requiredString(file, "/identifier")
        async let description = Self.requiredString(file, "/session_description")
        async let startTime = Self.requiredString(file, "/session_start_time")
        let hasReferenceTime = root.hasMember("timestamps_reference_time")
        async let timestampsReferenceTime =
            hasReferenceTime
            ? Self.requiredString(file, "/timestamps_reference_time") : nil
        return Session(
            identifier: try await identifier, description: try await description, startTime: try await startTime,
            timestampsReferenceTime: try await timestampsReferenceTime)
    }

    /// Opens a local NWB file, memory-mapped.
    public static func open(path: String) async throws -> NWBFile {
        try await NWBFile(try await HDF5File(path: path))
    }

    private static func requiredString(_ file: HDF5File, _ path: String) async throws -> String {
        let object: HDF5Object
        do {
            object = try await file.resolve(path).object
        } catch HDF5Error.notFound {
            throw NWBError.missingField(path: "/", field: String(path.dropFirst()))
        }
        guard let text = try await file.strings(of: object, path: path).first else {
            throw NWBError.invalid(path: path, reason: "is empty")
        }
        return text
    }

    // MARK: - Lookup

    /// The object at `path`, following soft links. A missing path throws `NWBError.notFound`
    /// with the closest existing paths as suggestions.
    public func object(at path: String) async throws -> NWBObject {
        do {
            let (object, resolvedPath) = try await hdf5.resolve(path)
            return NWBObject(path: resolvedPath, object: object)
        } catch HDF5Error.notFound {
            let paths = try await hdf5.pathIndex().values
            throw NWBError.notFound(path: path, suggestions: PathSuggestions.closest(to: path, among: paths))
        }
    }

    /// Every object whose `neurodata_type` is `type` or, with `includingSubtypes`, a type
    /// derived from it (an `ElectricalSeries` is a `TimeSeries`; see `typeHierarchy()`), in
    /// depth-first order of their paths.
    public func objects(ofType type: String, includingSubtypes: Bool = true) async throws -> [NWBObject] {
        let hierarchy = includingSubtypes ? try await typeHierarchy() : .builtIn
        var found: [NWBObject] = []
        for entry in try await hdf5.walk(from: "/", recursive: true) {
            guard case .object(let object) = entry.target, let objectType = object.neurodataType else { continue }
            let matches = includingSubtypes ? hierarchy.isType(objectType, a: type) : objectType == type
            if matches { found.append(NWBObject(path: entry.path, object: object)) }
        }
        return found
    }

    /// Which type derives from which: the NWB core and hdmf-common types, and the types the
    /// file's cached schema defines (the group `.specloc` references, usually
    /// `/specifications`), extensions included. Files without a cached schema get the core
    /// types only.
    public func typeHierarchy() async throws -> TypeHierarchy {
        try await hierarchy.value {
            guard let specifications = try await self.referencedObject(".specloc", of: self.root) else { return .builtIn }
            return try await TypeHierarchy.cached(in: self.hdf5, specificationsPath: specifications.path)
        }
    }

    /// The object an object-reference attribute of `object` points to (a `DynamicTableRegion`'s
    /// `table`, a `VectorIndex`'s `target`, the root's `.specloc`), or nil when the attribute is
    /// absent or a null reference.
    public func referencedObject(_ attribute: String, of object: NWBObject) async throws -> NWBObject? {
        guard let address = object.object.referenceAttribute(attribute) else { return nil }
        return try await self.object(atAddress: address, near: object.path)
    }

    /// The object whose header is at `address`, with its path. The members of `near`'s parent
    /// are looked at first (a `VectorIndex` targets a sibling); otherwise the file's path index.
    func object(atAddress address: UInt64, near path: String) async throws -> NWBObject {
        let parentPath = Self.parent(of: path)
        if let parent = try? await hdf5.resolve(parentPath).object,
            let link = parent.links.first(where: { if case .hard(address) = $0.target { true } else { false } })
        {
            let sibling = NWBObject(path: parentPath, object: parent).memberPath(link.name)
            return NWBObject(path: sibling, object: try await hdf5.object(at: address))
        }
        guard let referencedPath = try await hdf5.pathIndex()[address] else {
            throw NWBError.invalid(path: path, reason: "references an object at \(hex(address)) that no path leads to")
        }
        return NWBObject(path: referencedPath, object: try await hdf5.object(at: address))
    }

    /// Every member of a group, in name order: objects behind hard links decoded together
    /// (one batch of reads, whatever their number), soft links followed one by one.
    public func members(of group: NWBObject) async throws -> [NWBObject] {
        let hardLinks = group.object.links.compactMap { link -> (String, UInt64)? in
            guard case .hard(let address) = link.target else { return nil }
            return (link.name, address)
        }
        let decoded = try await hdf5.objects(at: hardLinks.map(\.1))
        var byName: [String: NWBObject] = [:]
        for ((name, _), object) in zip(hardLinks, decoded) {
            byName[name] = NWBObject(path: group.memberPath(name), object: object)
        }
        var members: [NWBObject] = []
        for link in group.object.links {
            if let member = byName[link.name] {
                members.append(member)
            } else if case .soft = link.target {
                members.append(try await object(at: group.memberPath(link.name)))
            }
        }
        return members
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    /// The object at `path` as a `TimeSeries` (or a type derived from it).
    public func timeSeries(at path: String) async throws -> TimeSeries {
        try await TimeSeries(file: self, object: try await object(at: path))
    }

    /// The object at `path` as a `DynamicTable` (units, electrodes, trials, any table).
    public func table(at path: String) async throws -> DynamicTable {
        try await DynamicTable(file: self, object: try await object(at: path))
    }

    /// The units table (`/units`), if the file has one.
    public func units() async throws -> DynamicTable? {
        root.hasMember("units") ? try await table(at: "/units") : nil
    }

    /// The electrodes table (`/general/extracellular_ephys/electrodes`), if the file has one.
    public func electrodes() async throws -> DynamicTable? {
        let path = "/general/extracellular_ephys/electrodes"
        return try await hasObject(at: path) ? try await table(at: path) : nil
    }

    /// The trials table (`/intervals/trials`), if the file has one.
    public func trials() async throws -> DynamicTable? {
        let path = "/intervals/trials"
        return try await hasObject(at: path) ? try await table(at: path) : nil
    }

    /// True when a path leads to an object.
    public func hasObject(at path: String) async throws -> Bool {
        do {
            _ = try await hdf5.resolve(path)
            return true
        } catch HDF5Error.notFound {
            return false
        }
    }

    /// Every `TimeSeries` (and derived type) under `/acquisition`, `/stimulus` and `/processing`,
    /// in path order.
    public func allTimeSeries() async throws -> [TimeSeries] {
        var series: [TimeSeries] = []
        for object in try await objects(ofType: "TimeSeries") where TimeSeries.hasTimeSeriesShape(object) {
            series.append(try await TimeSeries(file: self, object: object))
        }
        return series
    }

    /// Every `DynamicTable` (and derived type) of the file, in path order.
    public func allTables() async throws -> [DynamicTable] {
        var tables: [DynamicTable] = []
        for object in try await objects(ofType: "DynamicTable") where object.object.kind == .group {
            tables.append(try await DynamicTable(file: self, object: object))
        }
        return tables
    }
}

extension HDF5File {
    /// Every element of a string dataset.
    func strings(of dataset: HDF5Object, path: String) async throws -> [String] {
        try await values(of: try await read(dataset), structure: path).map { value in
            guard let text = value.stringValue else {
                throw NWBError.invalid(path: path, reason: "holds \(value), not text")
            }
            return text
        }
    }
}

/// The type hierarchy of a file, computed by the first caller and shared.
actor TypeHierarchyCache {
    private var reading: Task<TypeHierarchy, any Error>?

    func value(_ read: @escaping @Sendable () async throws -> TypeHierarchy) async throws -> TypeHierarchy {
        if let reading { return try await reading.value }
        let task = Task { try await read() }
        reading = task
        return try await task.value
    }
}
