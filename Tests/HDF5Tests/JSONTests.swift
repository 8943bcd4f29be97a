import HDF5Format
import Testing

@testable import HDF5

@Suite struct JSONTests {
    @Test func serializationIsCompactAndOrdered() {
        let value = JSONValue.object([
            ("z", .int(-1)), ("a", .array([.null, .bool(true), .uint(.max), .float("0.5")])), ("m", .object([])),
        ])
        #expect(value.serialized() == #"{"z":-1,"a":[null,true,18446744073709551615,0.5],"m":{}}"#)
    }

    @Test func stringsEscapeQuotesBackslashesAndControlCharactersOnly() {
        #expect(
            JSONValue.string("a\"b\\c\nd\u{1}\u{1f} é😀\u{7f}").serialized()
                == "\"a\\\"b\\\\c\\u000ad\\u0001\\u001f é😀\u{7f}\"")
    }

    @Test func floatsPrintShortestInTheirOwnPrecision() {
        let noPath: (UInt64) -> String? = { _ in nil }
        #expect(Value.float32(0.1).json(path: noPath) == .float("0.1"))
        #expect(Value.float16(0.1).json(path: noPath) == .float("0.1"))
        #expect(Value.float64(0.1).json(path: noPath) == .float("0.1"))
        #expect(Value.float64(-0.0).json(path: noPath) == .float("-0.0"))
        #expect(Value.float64(100).json(path: noPath) == .float("100.0"))
        #expect(Value.float32(1e-5).json(path: noPath) == .float("1e-05"))
        #expect(Value.float64(.nan).json(path: noPath) == .string("NaN"))
        #expect(Value.float32(.infinity).json(path: noPath) == .string("Infinity"))
        #expect(Value.float16(-.infinity).json(path: noPath) == .string("-Infinity"))
    }

    @Test func halfPrecisionFloatsUseTheFewestDigitsThatReadBack() {
        let noPath: (UInt64) -> String? = { _ in nil }
        // NumPy's str() of these float16 values has the same digits.
        #expect(Value.float16(65504).json(path: noPath) == .float("65500.0"))
        #expect(Value.float16(4112).json(path: noPath) == .float("4110.0"))
        #expect(Value.float16(2048).json(path: noPath) == .float("2048.0"))
        #expect(Value.float16(0.3333).json(path: noPath) == .float("0.3333"))
        #expect(Value.float16(6e-8).json(path: noPath) == .float("6e-08"))
        var failures: [String] = []
        for bits in UInt16.min...UInt16.max {
            let value = Float16(bitPattern: bits)
            guard value.isFinite, case .float(let text) = Value.float16(value).json(path: noPath) else { continue }
            let digits = text.split(separator: "e")[0].filter(\.isNumber).drop { $0 == "0" }.reversed().drop {
                $0 == "0"
            }.count
            // No text with fewer significant digits reads back to the value.
            let shorter = (1..<max(digits, 1)).contains { count in
                [String(format: count, value, rounding: .down), String(format: count, value, rounding: .up)]
                    .contains { Float16($0) == value }
            }
            if !isJSONNumber(text) || Float16(text) != value || shorter { failures.append("\(bits): \(text)") }
        }
        #expect(failures.isEmpty, "\(failures.prefix(10))")
    }

    @Test func everyFormattedFloatIsValidJSONThatReadsBack() {
        var doubles: [Double] = [.leastNonzeroMagnitude, .greatestFiniteMagnitude, 1e16, 1e15, 1e-4, 1e-5, -0.0, 1e22]
        // Bit patterns spread over the whole range by a step of the golden ratio's bits.
        var bits: UInt64 = 0
        for _ in 0..<5000 {
            bits &+= 0x9e37_79b9_7f4a_7c15
            doubles.append(Double(bitPattern: bits))
        }
        var failures: [String] = []
        for double in doubles.filter(\.isFinite) {
            guard case .float(let text) = Value.float64(double).json(path: { _ in nil }),
                isJSONNumber(text), Double(text)?.bitPattern == double.bitPattern
            else {
                failures.append("\(double)")
                continue
            }
        }
        for float in doubles.map({ Float(bitPattern: UInt32(truncatingIfNeeded: $0.bitPattern)) }).filter(\.isFinite) {
            guard case .float(let text) = Value.float32(float).json(path: { _ in nil }),
                isJSONNumber(text), Float(text)?.bitPattern == float.bitPattern
            else {
                failures.append("\(float)")
                continue
            }
        }
        for half in doubles.map({ Float16(bitPattern: UInt16(truncatingIfNeeded: $0.bitPattern)) }).filter(\.isFinite) {
            guard case .float(let text) = Value.float16(half).json(path: { _ in nil }),
                isJSONNumber(text), Float16(text)?.bitPattern == half.bitPattern
            else {
                failures.append("\(half)")
                continue
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(10))")
    }

    /// True when `text` matches JSON's number grammar (RFC 8259, section 6).
    func isJSONNumber(_ text: String) -> Bool {
        var characters = Substring(text)
        func digits() -> Int {
            let count = characters.prefix { $0.isASCII && $0.isNumber }.count
            characters = characters.dropFirst(count)
            return count
        }
        if characters.first == "-" { characters = characters.dropFirst() }
        if characters.first == "0" {
            characters = characters.dropFirst()
        } else if digits() == 0 {
            return false
        }
        if characters.first == "." {
            characters = characters.dropFirst()
            guard digits() > 0 else { return false }
        }
        if characters.first == "e" || characters.first == "E" {
            characters = characters.dropFirst()
            if characters.first == "+" || characters.first == "-" { characters = characters.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return characters.isEmpty
    }

    @Test func valuesFollowTheAttributeRules() {
        let paths: [UInt64: String] = [800: "/group/data"]
        let path: (UInt64) -> String? = { paths[$0] }
        let compound = Value.compound([
            .init(name: "id", value: .unsigned(7)), .init(name: "tag", value: .opaque([0x00, 0xab, 0x10])),
            .init(name: "ok", value: .boolean(false)),
            .init(name: "list", value: .sequence([.signed(-1), .string("é")])),
        ])
        #expect(compound.json(path: path).serialized() == #"{"id":7,"tag":"00ab10","ok":false,"list":[-1,"é"]}"#)
        #expect(Value.objectReference(800).json(path: path) == .string("/group/data"))
        #expect(Value.objectReference(nil).json(path: path) == .null)
        // Selection "all": type 3, version 1, 8 reserved bytes.
        let all: [UInt8] = [3, 0, 0, 0, 1, 0, 0, 0] + [UInt8](repeating: 0, count: 8)
        #expect(
            Value.regionReference(target: 800, selection: all).json(path: path).serialized()
                == #"{"target":"/group/data","selection":"all"}"#)
        #expect(Value.array([.array([.signed(1)]), .array([.signed(2)])]).json(path: path).serialized() == "[[1],[2]]")
    }

    @Test func dataspacesShapeTheElements() throws {
        let six = (1...6).map { JSONValue.int(Int64($0)) }
        #expect(try JSONValue.shaped([.int(5)], dataspace: Dataspace(kind: .scalar)) == .int(5))
        #expect(try JSONValue.shaped([], dataspace: Dataspace(kind: .null)) == .null)
        #expect(
            try JSONValue.shaped([.int(5)], dataspace: Dataspace(kind: .simple, dimensions: [1])).serialized() == "[5]")
        #expect(
            try JSONValue.shaped(six, dataspace: Dataspace(kind: .simple, dimensions: [2, 3])).serialized()
                == "[[1,2,3],[4,5,6]]")
        #expect(
            try JSONValue.shaped(six, dataspace: Dataspace(kind: .simple, dimensions: [3, 1, 2])).serialized()
                == "[[[1,2]],[[3,4]],[[5,6]]]")
        #expect(
            try JSONValue.shaped([], dataspace: Dataspace(kind: .simple, dimensions: [2, 0])).serialized() == "[[],[]]")
        #expect(try JSONValue.shaped([], dataspace: Dataspace(kind: .simple, dimensions: [0, 2])).serialized() == "[]")
        #expect(throws: HDF5Error.self) {
            try JSONValue.shaped(six, dataspace: Dataspace(kind: .simple, dimensions: [4]))
        }
    }

    @Test func dtypeDescriptionsFollowTheContract() {
        let int16 = DtypeDescription.numpy("<i2")
        let description = DtypeDescription.compound([
            .init(name: "a", dtype: .enumeration(base: int16, members: [.init(name: "A", value: .signed(-1))])),
            .init(name: "b", dtype: .array(base: .variableLengthString, shape: [2, 3])),
            .init(name: "c", dtype: .variableLength(base: .objectReference)),
            .init(name: "d", dtype: .regionReference),
        ])
        #expect(
            description.json.serialized()
                == #"[["a",{"enum":"<i2","members":{"A":-1}}],["b",{"array":"vlen-str","shape":[2,3]}],"#
                + #"["c",{"vlen":"ref"}],["d","regionref"]]"#
        )
    }
}

extension String {
    /// `value` to `digits` significant digits, rounded toward zero (`.down`) or away (`.up`),
    /// as `d.ddde±x`; computed from the exact decimal expansion of the value.
    init(format digits: Int, _ value: Float16, rounding: FloatingPointRoundingRule) {
        let magnitude = abs(Double(value))
        var exponent = 0
        var scaled = magnitude
        while scaled >= 10 {
            scaled /= 10
            exponent += 1
        }
        while scaled < 1, scaled > 0 {
            scaled *= 10
            exponent -= 1
        }
        var power = 1.0
        for _ in 1..<digits { power *= 10 }
        let kept = (scaled * power).rounded(rounding == .up ? .awayFromZero : .towardZero)
        self = (value < 0 ? "-" : "") + "\(Int(kept))e\(exponent - digits + 1)"
    }
}
