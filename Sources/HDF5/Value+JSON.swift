import HDF5Format

extension Value {
    /// The value as README.md's `ls --json` contract writes attribute values. `path` gives the
    /// path of the object at a header address, for references (nil when it cannot be found).
    public func json(path: (UInt64) -> String?) -> JSONValue {
        switch self {
        case .signed(let value): return .int(value)
        case .unsigned(let value): return .uint(value)
        case .float16(let value): return Self.number(value, text: shortestText(value))
        case .float32(let value): return Self.number(value, text: value.description)
        case .float64(let value): return Self.number(value, text: value.description)
        case .boolean(let value): return .bool(value)
        case .string(let value): return .string(value)
        case .opaque(let bytes):
            return .string(bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined())
        case .compound(let fields): return .object(fields.map { ($0.name, $0.value.json(path: path)) })
        case .array(let elements), .sequence(let elements): return .array(elements.map { $0.json(path: path) })
        case .complex(let real, let imaginary):
            return .object([("real", real.json(path: path)), ("imag", imaginary.json(path: path))])
        case .objectReference(let target):
            return target.flatMap(path).map(JSONValue.string) ?? .null
        case .regionReference(let target, let selection):
            guard let target else { return .null }
            // The value decoder checked the selection when it read it.
            let described = (try? DataspaceSelection(decoding: selection, offset: 0)).map(\.json) ?? .null
            return .object([("target", path(target).map(JSONValue.string) ?? .null), ("selection", described)])
        case .attributeReference(let target, let name):
            guard let target else { return .null }
            return .object([("target", path(target).map(JSONValue.string) ?? .null), ("attribute", .string(name))])
        }
    }

    /// A float as JSON: `text` for a finite value, else the strings `"NaN"`, `"Infinity"`,
    /// `"-Infinity"`.
    static func number<Number: BinaryFloatingPoint>(_ value: Number, text: @autoclosure () -> String) -> JSONValue {
        if value.isNaN { return .string("NaN") }
        if value.isInfinite { return .string(value < 0 ? "-Infinity" : "Infinity") }
        return .float(text())
    }
}

/// The shortest text that reads back to `value` as a half-precision float, in the style of
/// Swift's `Double` description (`0.1`, `65500.0`, `6e-08`). Swift's `Float` and `Double`
/// descriptions are already shortest in their precision (valid JSON number text, e.g. `1e-05`),
/// but `Float16`'s writes large integers in full (`65504.0` where `65500.0` reads back the same).
func shortestText(_ value: Float16) -> String {
    let exact = Double(value).description
    guard value != 0, let decimal = Decimal(exact) else { return exact }
    for digits in 1..<max(decimal.digitCount, 1) {
        for candidate in decimal.rounded(toDigits: digits) where Float16(candidate.text) == value {
            return Double(candidate.text)?.description ?? exact
        }
    }
    return exact
}

/// A decimal number `significand × 10^exponent` (sign apart), for trimming digits.
private struct Decimal {
    var negative: Bool
    var significand: UInt64
    var exponent: Int

    /// Parses Swift's description of a finite `Double` (`-12.5`, `6.1e-05`).
    init?(_ text: String) {
        negative = text.hasPrefix("-")
        let unsigned = negative ? text.dropFirst() : Substring(text)
        let parts = unsigned.split(separator: "e", maxSplits: 1)
        guard let mantissa = parts.first else { return nil }
        let pieces = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let fraction = pieces.count > 1 ? pieces[1] : ""
        guard let significand = UInt64(pieces[0] + fraction), let power = Int(parts.count > 1 ? parts[1] : "0")
        else { return nil }
        self.significand = significand
        exponent = power - fraction.count
        while self.significand != 0, self.significand % 10 == 0 {
            self.significand /= 10
            exponent += 1
        }
    }

    var digitCount: Int { String(significand).count }
    var text: String { (negative ? "-" : "") + "\(significand)e\(exponent)" }

    /// The two numbers of `digits` significant digits around this one, the nearer first.
    func rounded(toDigits digits: Int) -> [Decimal] {
        guard digits >= 1, digits < digitCount else { return [] }
        var divisor: UInt64 = 1
        for _ in 0..<(digitCount - digits) { divisor *= 10 }
        var below = self
        below.significand = significand / divisor
        below.exponent += digitCount - digits
        var above = below
        above.significand += 1
        return significand % divisor * 2 >= divisor ? [above, below] : [below, above]
    }
}

extension JSONValue {
    /// Elements shaped as their dataspace says: a scalar gives its single value, a simple
    /// dataspace nested lists (one level per dimension), a null dataspace `null`.
    /// - Throws: `HDF5Error.invalid` when the element count does not match the dataspace.
    public static func shaped(_ elements: [JSONValue], dataspace: Dataspace) throws -> JSONValue {
        let expected = try dataspace.elementCount()
        guard UInt64(elements.count) == expected else {
            throw HDF5Error.invalid(
                structure: "dataspace", offset: 0,
                reason: "\(elements.count) elements do not fill a dataspace of \(expected)")
        }
        switch dataspace.kind {
        case .null: return .null
        case .scalar: return elements.first ?? .null
        case .simple: return nest(elements[...], dimensions: dataspace.dimensions[...])
        }
    }

    private static func nest(_ elements: ArraySlice<JSONValue>, dimensions: ArraySlice<UInt64>) -> JSONValue {
        guard let first = dimensions.first else { return elements.first ?? .null }
        let inner = dimensions.dropFirst()
        guard !inner.isEmpty else { return .array(Array(elements)) }
        // The caller checked that the product of the dimensions is the element count.
        let stride = inner.reduce(1, *)
        return .array(
            (0..<Int(first)).map { index in
                let start = elements.startIndex + index * Int(stride)
                return nest(elements[start..<start + Int(stride)], dimensions: inner)
            })
    }
}

extension DtypeDescription {
    /// The description as README.md's `dtype` key writes it.
    public var json: JSONValue {
        switch self {
        case .numpy(let type): return .string(type)
        case .variableLengthString: return .string("vlen-str")
        case .objectReference: return .string("ref")
        case .regionReference: return .string("regionref")
        case .compound(let fields): return .array(fields.map { .array([.string($0.name), $0.dtype.json]) })
        case .enumeration(let base, let members):
            return .object([
                ("enum", base.json), ("members", .object(members.map { ($0.name, $0.value.json(path: { _ in nil })) })),
            ])
        case .array(let base, let shape):
            return .object([("array", base.json), ("shape", .array(shape.map { .uint(UInt64($0)) }))])
        case .variableLength(let base): return .object([("vlen", base.json)])
        }
    }
}

extension DataspaceSelection {
    /// `"all"`, `"none"`, `{"points": [[coordinates]...]}` or `{"blocks": [[start, end]...]}`
    /// (each block's first and last coordinates, as h5py's `get_select_hyper_blocklist`).
    var json: JSONValue {
        func coordinates(_ values: [UInt64]) -> JSONValue { .array(values.map(JSONValue.uint)) }
        switch self {
        case .none: return .string("none")
        case .all: return .string("all")
        case .points(let points): return .object([("points", .array(points.map(coordinates)))])
        case .blocks(let blocks):
            return .object([("blocks", .array(blocks.map { .array([coordinates($0.start), coordinates($0.end)]) }))])
        }
    }
}
