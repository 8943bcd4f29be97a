/// One decoded data element: what an attribute or dataset holds, in the form a caller can print.
///
/// Floating-point values keep the precision of their datatype, so that each prints as the
/// shortest text that reads back to the same value in that precision.
public indirect enum Value: Sendable, Equatable {
    /// A signed integer, or an enumeration value whose base is signed.
    case signed(Int64)
    /// An unsigned integer or bitfield, or an enumeration value whose base is unsigned.
    case unsigned(UInt64)
    case float16(Float16)
    case float32(Float)
    case float64(Double)
    /// HDF5's boolean convention (as h5py writes it): an enumeration of FALSE = 0 and TRUE = 1.
    case boolean(Bool)
    /// A fixed- or variable-length string.
    case string(String)
    /// The bytes of an opaque element.
    case opaque([UInt8])
    /// A compound element's members, in datatype order.
    case compound([CompoundField])
    /// An array-type element: nested lists, one level per array dimension.
    case array([Value])
    /// A variable-length sequence.
    case sequence([Value])
    /// A complex number: real and imaginary parts, each a float value.
    case complex(real: Value, imaginary: Value)
    /// An object reference: the absolute address of the object's header, nil for a null reference.
    case objectReference(UInt64?)
    /// A dataset region reference: the dataset's header address (nil for a null reference) and
    /// the serialized selection, undecoded.
    case regionReference(target: UInt64?, selection: [UInt8])
    /// An attribute reference: the header address of the object holding the attribute and the
    /// attribute's name.
    case attributeReference(target: UInt64?, name: String)

    /// One member of a compound value.
    public struct CompoundField: Sendable, Equatable {
        public var name: String
        public var value: Value

        public init(name: String, value: Value) {
            self.name = name
            self.value = value
        }
    }
}
