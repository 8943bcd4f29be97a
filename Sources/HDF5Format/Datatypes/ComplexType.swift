/// The properties of a complex number (class 11) datatype, new in HDF5 2.0 with datatype
/// version 5 (HDF5 File Format Specification 4.0, IV.A.2.d, Datatype Message, "Complex").
///
///     class bit 0       homogeneous: both parts share one base type (always set by HDF5 2.0)
///     class bits 1-2    form: 0 rectangular, 1 polar, 2 exponential
///     base type         a datatype message: the floating-point type of each part
public struct ComplexType: Sendable, Equatable {
    public var form: Form
    /// The type of the real and the imaginary part (or of magnitude and angle).
    public var base: Datatype

    /// How the two parts represent the number.
    public enum Form: UInt8, Sendable, Equatable {
        /// Real part, then imaginary part.
        case rectangular = 0
        /// Magnitude, then angle.
        case polar = 1
        /// Magnitude and angle, as an exponential.
        case exponential = 2
    }

    public init(form: Form, base: Datatype) {
        self.form = form
        self.base = base
    }

    init(parsing cursor: inout ByteCursor, header: Datatype.Header, depth: Int) throws {
        guard header.classBits.bit(0) else {
            throw cursor.unsupported("complex number datatype whose parts have different types")
        }
        let formBits = header.classBits.bits(1, count: 2)
        guard let form = Form(rawValue: UInt8(formBits)) else {
            throw header.invalid(cursor, "reserved complex number form \(formBits)")
        }
        self.form = form
        base = try Datatype(parsing: &cursor, depth: depth + 1)
        guard case .floatingPoint = base.kind, base.size.multipliedReportingOverflow(by: 2) == (header.size, false)
        else {
            throw header.invalid(cursor, "complex number of \(header.size) bytes is not two floating-point parts")
        }
    }
}
