import HDF5Format

extension ListingEntry {
    /// The entry as one line of `nwbpeek ls --json` (README.md, "The --json contract").
    /// `paths` names the objects that references point to.
    public func json(paths: [UInt64: String]) throws -> JSONValue {
        var fields: [(String, JSONValue)] = [("path", .string(path))]
        switch target {
        case .softLink(let target):
            fields += [("kind", .string("softlink")), ("target", .string(target))]
        case .externalLink(let file, let target):
            fields += [("kind", .string("externallink")), ("file", .string(file)), ("target", .string(target))]
        case .object(let object):
            fields.append(("kind", .string(object.kind.rawValue)))
            if let datatype = object.datatype {
                fields.append(("dtype", try DtypeDescription(datatype, structure: "datatype", offset: object.address).json))
            }
            if object.kind == .dataset, let dataspace = object.dataspace {
                fields += [("shape", dataspace.shapeJSON), ("maxshape", dataspace.maximumShapeJSON)]
                fields += try object.storageJSON()
            }
            fields.append(("attributes", .object(try object.attributes.map { ($0.name, try $0.json(paths: paths)) })))
        }
        return .object(fields)
    }
}

extension Attribute {
    /// The value as the `--json` contract writes attribute values.
    public func json(paths: [UInt64: String]) throws -> JSONValue {
        try JSONValue.shaped(values.map { $0.json(path: { paths[$0] }) }, dataspace: dataspace)
    }
}

extension Dataspace {
    var shapeJSON: JSONValue {
        kind == .null ? .null : .array(dimensions.map { .uint($0) })
    }

    var maximumShapeJSON: JSONValue {
        guard kind != .null else { return .null }
        // A dataspace without stored maxima has maxima equal to its sizes.
        let maxima = maxDimensions ?? dimensions.map { Optional($0) }
        return .array(maxima.map { $0.map(JSONValue.uint) ?? .null })
    }
}

extension HDF5File {
    /// The path of every object that an attribute among `entries` references: the first
    /// path of each object in a walk of the whole file, as libhdf5 names dereferenced objects.
    /// Empty when nothing is referenced, so that listings without references walk no further.
    public func referencedPaths(in entries: [ListingEntry]) async throws -> [UInt64: String] {
        let referencesSomething = entries.contains { entry in
            guard case .object(let object) = entry.target else { return false }
            return object.attributes.contains { $0.values.contains(where: \.containsReference) }
        }
        return referencesSomething ? try await pathIndex() : [:]
    }
}

extension Value {
    /// True when the value is, or contains, a reference to an object.
    public var containsReference: Bool {
        switch self {
        case .objectReference, .regionReference, .attributeReference: return true
        case .compound(let fields): return fields.contains { $0.value.containsReference }
        case .array(let elements), .sequence(let elements): return elements.contains { $0.containsReference }
        default: return false
        }
    }
}
