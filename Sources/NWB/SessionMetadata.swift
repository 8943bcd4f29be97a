import HDF5
import HDF5Format

/// The session's required text fields (`NWBFile.session()`).
public struct Session: Sendable, Equatable {
    /// `/identifier`: a unique text identifier of the file.
    public let identifier: String
    /// `/session_description`.
    public let description: String
    /// `/session_start_time`, as stored (ISO 8601).
    public let startTime: String
    /// `/timestamps_reference_time` (ISO 8601), which every time in the file counts from.
    public let timestampsReferenceTime: String?
}

/// The subject of a session (`/general/subject`, type `Subject`): every text field the file
/// stores, with the schema's common ones by name.
public struct Subject: Sendable, Equatable {
    /// Every scalar text or number field of the subject group (datasets and attributes), by name.
    public let fields: [String: String]

    /// `subject_id`: the subject's identifier in the lab.
    public var subjectID: String? { fields["subject_id"] }
    /// `species`: Latin binomial or NCBI taxonomy link, e.g. "Mus musculus".
    public var species: String? { fields["species"] }
    /// `sex`: F, M, O (other) or U (unknown).
    public var sex: String? { fields["sex"] }
    /// `age`: ISO 8601 duration, e.g. "P90D".
    public var age: String? { fields["age"] }
    /// `description` of the subject.
    public var description: String? { fields["description"] }
    /// `genotype`.
    public var genotype: String? { fields["genotype"] }
    /// `strain`.
    public var strain: String? { fields["strain"] }
    /// `date_of_birth` (ISO 8601).
    public var dateOfBirth: String? { fields["date_of_birth"] }
    /// `weight`, with its unit, e.g. "0.35 kg".
    public var weight: String? { fields["weight"] }
}

/// A recording device (`/general/devices/<name>`, type `Device`).
public struct Device: Sendable, Equatable {
    /// The device's name (its group's).
    public let name: String
    /// The device group's path.
    public let path: String
    /// The `description` attribute.
    public let description: String?
    /// The `manufacturer` attribute.
    public let manufacturer: String?
}

/// A group of electrodes (`/general/extracellular_ephys/<name>`, type `ElectrodeGroup`).
public struct ElectrodeGroup: Sendable, Equatable {
    /// The group's name.
    public let name: String
    /// The group's path.
    public let path: String
    /// The `description` attribute.
    public let description: String?
    /// The `location` attribute: the brain region.
    public let location: String?
    /// The path of the device the group belongs to (the `device` link's target).
    public let devicePath: String?
}

extension NWBFile {
    /// `/general/subject`, or nil when the file has none.
    public func subject() async throws -> Subject? {
        guard try await hasObject(at: "/general/subject") else { return nil }
        let group = try await object(at: "/general/subject")
        return Subject(fields: try await scalarFields(of: group))
    }

    /// The devices of `/general/devices`, in name order.
    public func devices() async throws -> [Device] {
        try await members(of: "/general/devices", ofType: "Device").map { device in
            Device(
                name: Self.name(of: device.path), path: device.path,
                description: device.object.stringAttribute("description"),
                manufacturer: device.object.stringAttribute("manufacturer"))
        }
    }

    /// The electrode groups of `/general/extracellular_ephys`, in name order.
    public func electrodeGroups() async throws -> [ElectrodeGroup] {
        var groups: [ElectrodeGroup] = []
        for group in try await members(of: "/general/extracellular_ephys", ofType: "ElectrodeGroup") {
            var devicePath: String?
            switch group.object.links.first(where: { $0.name == "device" })?.target {
            case .soft(let target): devicePath = target
            case .hard(let address): devicePath = try await object(atAddress: address, near: group.memberPath("device")).path
            default: devicePath = nil
            }
            groups.append(
                ElectrodeGroup(
                    name: Self.name(of: group.path), path: group.path,
                    description: group.object.stringAttribute("description"),
                    location: group.object.stringAttribute("location"), devicePath: devicePath))
        }
        return groups
    }

    /// The members of the group at `path` whose type is `type` (or derived from it, an
    /// extension's `Probe` being a `Device`).
    func members(of path: String, ofType type: String) async throws -> [NWBObject] {
        guard try await hasObject(at: path) else { return [] }
        let group = try await object(at: path)
        let hierarchy = try await typeHierarchy()
        var found: [NWBObject] = []
        for member in try await members(of: group) {
            if let memberType = member.neurodataType, hierarchy.isType(memberType, a: type) { found.append(member) }
        }
        return found
    }

    /// A group's scalar text and number fields: its attributes, then its scalar datasets.
    func scalarFields(of group: NWBObject) async throws -> [String: String] {
        var fields: [String: String] = [:]
        for attribute in group.object.attributes where attribute.dataspace.kind == .scalar {
            guard !["namespace", "neurodata_type", "object_id"].contains(attribute.name),
                let value = attribute.values.first
            else { continue }
            fields[attribute.name] = value.stringValue ?? value.doubleValue.map { String($0) }
        }
        for member in try await members(of: group) {
            guard member.object.kind == .dataset, member.object.dataspace?.kind == .scalar else { continue }
            let value = try await hdf5.values(of: try await hdf5.read(member.object), structure: member.path).first
            fields[Self.name(of: member.path)] = value?.stringValue ?? value?.doubleValue.map { String($0) }
        }
        return fields
    }

    static func name(of path: String) -> String {
        String(path.split(separator: "/").last ?? "")
    }
}
