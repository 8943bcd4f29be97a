import HDF5
import HDF5Format

/// An object of an NWB file: its HDF5 object, the path it was reached by, and its NWB type.
public struct NWBObject: Sendable {
    /// The absolute path it was reached by.
    public let path: String
    /// The HDF5 object (group or dataset).
    public let object: HDF5Object

    /// The object `object`, reached by `path`.
    public init(path: String, object: HDF5Object) {
        self.path = path
        self.object = object
    }

    /// The `neurodata_type` attribute, if the object has one.
    public var neurodataType: String? { object.neurodataType }

    /// The `namespace` attribute (`core`, `hdmf-common` or an extension's), if any.
    public var namespace: String? { object.stringAttribute("namespace") }

    /// The path of a member named `name`.
    public func memberPath(_ name: String) -> String {
        path == "/" ? "/" + name : path + "/" + name
    }

    /// True when the object is a group with a member (link) named `name`.
    public func hasMember(_ name: String) -> Bool {
        object.links.contains { $0.name == name }
    }
}

extension HDF5Object {
    /// The attribute named `name`, if present.
    public func attribute(_ name: String) -> Attribute? {
        attributes.first { $0.name == name }
    }

    /// The first value of a string attribute.
    public func stringAttribute(_ name: String) -> String? {
        attribute(name)?.values.first?.stringValue
    }

    /// Every value of a string attribute (such as a table's `colnames`).
    public func stringsAttribute(_ name: String) -> [String]? {
        attribute(name).map { $0.values.compactMap(\.stringValue) }
    }

    /// The first value of a numeric attribute, as a `Double`.
    public func doubleAttribute(_ name: String) -> Double? {
        attribute(name)?.values.first?.doubleValue
    }

    /// The header address an object-reference attribute points to, or nil when the attribute
    /// is absent, null or not a reference.
    public func referenceAttribute(_ name: String) -> UInt64? {
        guard case .objectReference(let address) = attribute(name)?.values.first else { return nil }
        return address
    }
}
