import HDF5
import HDF5Format

extension DtypeDescription {
    /// A short name for people: NumPy's (`int16`, `float32`, `S10`), or a word for HDF5's own
    /// kinds (`vlen-str`, `ref`, `compound{a, b}`).
    var humanName: String {
        switch self {
        case .numpy(let type):
            return Self.humanName(ofNumpyType: type)
        case .variableLengthString: return "vlen-str"
        case .objectReference: return "ref"
        case .regionReference: return "regionref"
        case .compound(let fields): return "compound{" + fields.map(\.name).joined(separator: ", ") + "}"
        case .enumeration(let base, _): return "enum(\(base.humanName))"
        case .array(let base, let shape): return "\(base.humanName)[" + shape.map(String.init).joined(separator: ",") + "]"
        case .variableLength(let base): return "vlen(\(base.humanName))"
        }
    }

    /// `<i2` → `int16`, `|b1` → `bool`, `|S10` → `S10`; other strings as they are.
    private static func humanName(ofNumpyType type: String) -> String {
        let body = type.drop { "<>|=".contains($0) }
        guard let kind = body.first, let size = Int(body.dropFirst()) else { return type }
        switch kind {
        case "i": return "int\(size * 8)"
        case "u": return "uint\(size * 8)"
        case "f": return "float\(size * 8)"
        case "c": return "complex\(size * 8)"
        case "b": return "bool"
        default: return String(body)
        }
    }
}

extension Dataspace {
    /// `(60000, 384)`, `scalar` or `null`.
    var humanShape: String {
        switch kind {
        case .null: return "null"
        case .scalar: return "scalar"
        case .simple: return "(" + dimensions.map(String.init).joined(separator: ", ") + ")"
        }
    }
}

/// `512 B`, `38.3 KiB`, `1.2 GiB`.
func humanByteCount(_ bytes: UInt64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024, unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    if unit == 0 { return "\(bytes) B" }
    let rounded = (value * 10).rounded() / 10
    return "\(rounded) \(units[unit])"
}
