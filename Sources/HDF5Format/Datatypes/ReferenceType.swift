/// The properties of a reference (class 7) datatype
/// (HDF5 File Format Specification 4.0, IV.A.2.d, Datatype Message, "Reference").
///
///     class bits 0-3    type: 0 object, 1 dataset region, and from HDF5 1.12 (datatype
///                       version 4): 2 object, 3 dataset region, 4 attribute ("revised")
///     class bits 4-7    version of the revised reference encoding (must be 1)
///
/// An object reference element is an object header address; a dataset region reference
/// element is a global heap ID of an object holding the address and a selection; a revised
/// reference element starts with its own reference type and holds its encoding in place (an
/// object in the same file) or in the global heap (see `ValueDecoder`). libhdf5 writes every
/// revised reference with one datatype of type 2, whatever each element references.
public struct ReferenceType: Sendable, Equatable {
    public var kind: Kind

    /// What a reference points at, and how it is stored.
    public enum Kind: UInt8, Sendable, Equatable {
        /// An object's header address (H5R_OBJECT1).
        case object = 0
        /// A dataset and a selection in it, through the global heap (H5R_DATASET_REGION1).
        case datasetRegion = 1
        /// A revised object reference (H5R_OBJECT2).
        case revisedObject = 2
        /// A revised dataset region reference (H5R_DATASET_REGION2).
        case revisedDatasetRegion = 3
        /// A revised attribute reference (H5R_ATTR).
        case revisedAttribute = 4

        /// True for the revised references of HDF5 1.12.
        public var isRevised: Bool { rawValue >= 2 }
    }

    /// The revised reference encoding version this reader knows (libhdf5's H5R_ENCODE_VERSION).
    static let revisedEncodingVersion: UInt32 = 1

    public init(kind: Kind) { self.kind = kind }

    init(parsing cursor: inout ByteCursor, header: Datatype.Header) throws {
        let type = header.classBits.bits(0, count: 4)
        guard let kind = Kind(rawValue: UInt8(type)) else {
            throw header.invalid(cursor, "unknown reference type \(type)")
        }
        if kind.isRevised {
            let encodingVersion = header.classBits.bits(4, count: 4)
            guard encodingVersion == Self.revisedEncodingVersion else {
                throw HDF5Error.unknownVersion(
                    structure: "revised reference encoding", offset: header.offset, version: Int(encodingVersion))
            }
        }
        self.kind = kind
    }
}
