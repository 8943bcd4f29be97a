import ByteKit
import HDF5Format

/// A decoded object: its header, what kind of object it is, its links if a group, its
/// attributes, and its datatype, dataspace and storage if a dataset.
///
/// Decoding an object is a pure function of the file's bytes (`init(resolver:address:)`);
/// `HDF5File` runs it through its `MetadataStore`, which fetches what it needs.
public struct HDF5Object: Sendable {
    /// What libhdf5 calls the object class (`H5O_obj_class`): a header with a symbol table,
    /// link info or link message is a group; with a datatype and a dataspace, a dataset; with a
    /// datatype alone, a committed datatype.
    public enum Kind: String, Sendable { case group, dataset, datatype }

    /// Absolute address of the object header: the object's identity.
    public let address: UInt64
    public let header: ObjectHeader
    public let kind: Kind
    /// A group's links, in byte order of their names.
    public let links: [LinkMessage]
    /// The attributes, in byte order of their names.
    public let attributes: [Attribute]
    /// A dataset's or committed datatype's datatype.
    public let datatype: Datatype?
    /// A dataset's dataspace.
    public let dataspace: Dataspace?
    /// A dataset's storage layout.
    public let layout: DataLayoutMessage?
    /// A dataset's filter pipeline, empty when unfiltered.
    public let filters: [FilterPipelineMessage.Filter]

    /// Decodes the object whose header is at `address`.
    public init(resolver: MessageResolver, address: UInt64) throws {
        let view = resolver.view
        let header = try ObjectHeader.read(view: view, address: address, context: resolver.context)
        self.address = address
        self.header = header
        let isGroup = header.firstMessage(of: .symbolTable) != nil || header.firstMessage(of: .linkInfo) != nil
            || header.firstMessage(of: .link) != nil
        let datatypeMessage = header.firstMessage(of: .datatype)
        let dataspaceMessage = header.firstMessage(of: .dataspace)
        if isGroup {
            kind = .group
        } else if datatypeMessage != nil, dataspaceMessage != nil {
            kind = .dataset
        } else if datatypeMessage != nil {
            kind = .datatype
        } else if header.firstMessage(of: .groupInfo) != nil || header.messages.allSatisfy({ $0.type == .attribute || $0.type == .objectModificationTime }) {
            // An empty new-style group may keep only its group info (or nothing but attributes).
            kind = .group
        } else {
            throw HDF5Error.invalid(
                structure: "object header", offset: address,
                reason: "neither a group, a dataset nor a committed datatype (no link, symbol table or datatype message)")
        }
        let hasLinks = kind == .group
        (links, attributes) = try decodeTogether(
            { hasLinks ? try GroupLinks.read(header: header, view: view, context: resolver.context) : [] },
            { try ObjectAttributes.read(header: header, resolver: resolver) })
        datatype = try datatypeMessage.map { try resolver.datatype($0) }
        dataspace = try dataspaceMessage.map { try resolver.dataspace($0) }
        if kind == .dataset {
            layout = try header.firstMessage(of: .dataLayout).map { message in
                var cursor = try resolver.body(message, structure: "data layout message")
                return try DataLayoutMessage(parsing: &cursor, context: resolver.context)
            }
            filters = try header.firstMessage(of: .filterPipeline).map { message in
                var cursor = try resolver.body(message, structure: "filter pipeline message")
                return try FilterPipelineMessage(parsing: &cursor, context: resolver.context).filters
            } ?? []
        } else {
            layout = nil
            filters = []
        }
    }

    /// The value of the NWB `neurodata_type` attribute, when the object has one.
    public var neurodataType: String? {
        guard let attribute = attributes.first(where: { $0.name == "neurodata_type" }),
            case .string(let type) = attribute.values.first
        else { return nil }
        return type
    }
}
