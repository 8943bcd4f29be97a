import ByteKit
import HDF5
import HDF5Format

extension Value {
    /// The value as a `Double`: integers, floats and booleans; nil for anything else.
    public var doubleValue: Double? {
        switch self {
        case .signed(let value): return Double(value)
        case .unsigned(let value): return Double(value)
        case .float16(let value): return Double(value)
        case .float32(let value): return Double(value)
        case .float64(let value): return value
        case .boolean(let value): return value ? 1 : 0
        default: return nil
        }
    }

    /// The value as an `Int64`: integers that fit, and floats with no fractional part.
    public var integerValue: Int64? {
        switch self {
        case .signed(let value): return value
        case .unsigned(let value): return Int64(exactly: value)
        case .float16, .float32, .float64: return doubleValue.flatMap { Int64(exactly: $0) }
        case .boolean(let value): return value ? 1 : 0
        default: return nil
        }
    }

    /// The value as a `String` when it is one.
    public var stringValue: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }
}

extension HDF5File {
    /// The elements of a numeric slice as `Double`s. Plain integers and IEEE floats are
    /// converted straight from the stored bytes; other types go through `values(of:)`.
    func doubles(of slice: DatasetSlice, path: String) async throws -> [Double] {
        if let converted = Self.convertDirectly(slice) { return converted }
        return try await values(of: slice, structure: path).map { value in
            guard let number = value.doubleValue else {
                throw NWBError.invalid(path: path, reason: "holds \(value), not a number")
            }
            return number
        }
    }

    /// Integers and IEEE floats of 1 to 8 bytes, converted from their bytes without building a
    /// `Value` per element; nil for other layouts.
    private static func convertDirectly(_ slice: DatasetSlice) -> [Double]? {
        let size = Int(slice.datatype.size)
        let count = slice.elementCount
        switch slice.datatype.kind {
        case .fixedPoint(let type):
            guard type.bitOffset == 0, Int(type.bitPrecision) == size * 8, [1, 2, 4, 8].contains(size),
                type.byteOrder != .vax
            else { return nil }
            let bigEndian = type.byteOrder == .bigEndian
            return slice.bytes.withUnsafeBytes { buffer in
                (0..<count).map { index in
                    let bits = loadInteger(buffer, at: index * size, width: size, bigEndian: bigEndian)
                    guard type.isSigned else { return Double(bits) }
                    // Sign-extend from the element's width.
                    let shift = UInt64(64 - size * 8)
                    return Double(Int64(bitPattern: bits << shift) >> Int64(shift))
                }
            }
        case .floatingPoint(let type):
            guard let ieee = FloatingPointType.ieee(size: UInt32(size), byteOrder: type.byteOrder), ieee == type,
                size == 4 || size == 8
            else { return nil }
            let bigEndian = type.byteOrder == .bigEndian
            return slice.bytes.withUnsafeBytes { buffer in
                (0..<count).map { index in
                    let bits = loadInteger(buffer, at: index * size, width: size, bigEndian: bigEndian)
                    return size == 4 ? Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits))) : Double(bitPattern: bits)
                }
            }
        default:
            return nil
        }
    }

    private static func loadInteger(_ buffer: UnsafeRawBufferPointer, at offset: Int, width: Int, bigEndian: Bool) -> UInt64 {
        var value: UInt64 = 0
        for byte in 0..<width {
            let position = bigEndian ? byte : width - 1 - byte
            value = value << 8 | UInt64(buffer[offset + position])
        }
        return value
    }
}
