import ByteKit
import Testing

@testable import HDF5Format

/// Parses a datatype message from bytes, checking that nothing but padding is left over.
func parseDatatype(_ bytes: [UInt8]) throws -> Datatype {
    var cursor = ByteCursor(bytes: Bytes(bytes), baseOffset: 0, structure: "datatype message")
    let datatype = try Datatype(parsing: &cursor)
    // Object header messages are padded to a multiple of 8 bytes with zeros.
    #expect(cursor.remaining < 8)
    #expect(try cursor.readBytes(cursor.remaining).array.allSatisfy { $0 == 0 })
    return datatype
}

@Suite struct DatatypeTests {
    let fixtures = H5pyFixtures.shared

    @Test func everyH5pyDatatypeParsesToItsWholeMessage() throws {
        let fixtures = try #require(fixtures)
        #expect(fixtures.datasets.count > 90)
        for dataset in fixtures.datasets {
            let datatype = try parseDatatype(dataset.datatypeMessage)
            if let data = dataset.data, data.count > 0 {
                #expect(UInt64(datatype.size) * UInt64(data.count) == data.size, "\(dataset.name)")
            }
        }
    }

    @Test func integersCarryByteOrderSignAndPrecision() throws {
        let fixtures = try #require(fixtures)
        let bigEndian = try parseDatatype(try fixtures.dataset("earliest/i2be").datatypeMessage)
        #expect(
            bigEndian
                == Datatype(
                    size: 2, version: 1,
                    kind: .fixedPoint(
                        FixedPointType(byteOrder: .bigEndian, isSigned: true, bitOffset: 0, bitPrecision: 16))))
        let unsigned = try parseDatatype(try fixtures.dataset("earliest/u8").datatypeMessage)
        #expect(
            unsigned.kind
                == .fixedPoint(
                    FixedPointType(byteOrder: .littleEndian, isSigned: false, bitOffset: 0, bitPrecision: 64)))
    }

    @Test func floatsDescribeTheirFields() throws {
        let fixtures = try #require(fixtures)
        for (name, size, order) in [
            ("f2", 2, ByteOrder.littleEndian), ("f4be", 4, .bigEndian), ("f8", 8, .littleEndian),
        ] {
            let datatype = try parseDatatype(try fixtures.dataset("earliest/\(name)").datatypeMessage)
            #expect(
                datatype.kind
                    == .floatingPoint(try #require(FloatingPointType.ieee(size: UInt32(size), byteOrder: order))))
        }
        let extended = try parseDatatype(try fixtures.dataset("earliest/f16").datatypeMessage)
        guard case .floatingPoint(let x87) = extended.kind else {
            Issue.record("not a float")
            return
        }
        #expect(extended.size == 16)
        #expect(x87.bitPrecision == 80 && x87.signLocation == 79 && x87.exponentLocation == 64)
        #expect(x87.exponentSize == 15 && x87.mantissaSize == 64 && x87.exponentBias == 16383)
        #expect(x87.mantissaNormalization == .none)
    }

    @Test func stringsCarryPaddingAndCharacterSet() throws {
        let fixtures = try #require(fixtures)
        let cases: [(String, Datatype.Kind)] = [
            ("fixed_ascii", .string(StringType(padding: .nullPad, characterSet: .ascii))),
            ("fixed_utf8", .string(StringType(padding: .nullPad, characterSet: .utf8))),
            ("fixed_spacepad", .string(StringType(padding: .spacePad, characterSet: .ascii))),
        ]
        for (name, kind) in cases {
            #expect(try parseDatatype(try fixtures.dataset("earliest/\(name)").datatypeMessage).kind == kind, "\(name)")
        }
        let variable = try parseDatatype(try fixtures.dataset("earliest/vlen_utf8").datatypeMessage)
        #expect(variable.size == 16)
        guard case .variableLength(let type) = variable.kind else {
            Issue.record("not vlen")
            return
        }
        #expect(type.kind == .string(StringType(padding: .nullTerminate, characterSet: .utf8)))
        #expect(type.base.size == 1)
    }

    @Test func bitfieldOpaqueAndReferenceClassesParse() throws {
        let fixtures = try #require(fixtures)
        #expect(
            try parseDatatype(try fixtures.dataset("earliest/bitfield").datatypeMessage).kind
                == .bitfield(
                    FixedPointType(byteOrder: .bigEndian, isSigned: false, bitOffset: 0, bitPrecision: 16)))
        #expect(
            try parseDatatype(try fixtures.dataset("earliest/opaque_tagged").datatypeMessage).kind
                == .opaque(OpaqueType(tag: "four bytes")))
        #expect(
            try parseDatatype(try fixtures.dataset("earliest/opaque").datatypeMessage).kind
                == .opaque(OpaqueType(tag: "")))
        #expect(
            try parseDatatype(try fixtures.dataset("earliest/refs").datatypeMessage)
                == Datatype(size: 8, version: 1, kind: .reference(ReferenceType(kind: .object))))
        #expect(
            try parseDatatype(try fixtures.dataset("earliest/regionrefs").datatypeMessage)
                == Datatype(size: 12, version: 1, kind: .reference(ReferenceType(kind: .datasetRegion))))
    }

    @Test func compoundsParseInEveryMemberEncoding() throws {
        let fixtures = try #require(fixtures)
        var versions: Set<UInt8> = []
        for libver in ["earliest", "v108", "latest"] {
            let datatype = try parseDatatype(try fixtures.dataset("\(libver)/compound").datatypeMessage)
            versions.insert(datatype.version)
            guard case .compound(let compound) = datatype.kind else {
                Issue.record("not compound")
                continue
            }
            #expect(datatype.size == 15)
            #expect(compound.members.map(\.name) == ["a", "b", "e"])
            #expect(compound.members.map(\.byteOffset) == [0, 4, 11])
            guard case .compound(let inner) = compound.members[1].datatype.kind,
                case .array(let array) = compound.members[2].datatype.kind
            else {
                Issue.record("unexpected member types")
                continue
            }
            #expect(inner.members.map(\.name) == ["c", "d"])
            #expect(inner.members[1].datatype.kind == .string(StringType(padding: .nullPad, characterSet: .ascii)))
            #expect(array.dimensions == [2])
        }
        #expect(versions == [2, 3, 5])
    }

    @Test func versionOneCompoundMemberDimensionsBecomeAnArray() throws {
        // A version 1 compound of 24 bytes with one member "m": an int32 array of 2 × 3.
        var bytes: [UInt8] = [0x16, 0x01, 0x00, 0x00, 24, 0, 0, 0]
        bytes += Array("m".utf8) + [0, 0, 0, 0, 0, 0, 0]  // name, padded to 8
        bytes += [0, 0, 0, 0]  // byte offset
        bytes += [2, 0, 0, 0] + [0, 0, 0, 0] + [0, 0, 0, 0]  // rank, reserved, permutation, reserved
        bytes += [2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]  // dimension sizes
        bytes += [0x10, 0x08, 0x00, 0x00, 4, 0, 0, 0, 0, 0, 32, 0]  // int32 member type
        let datatype = try parseDatatype(bytes)
        let int32 = Datatype(
            size: 4, version: 1,
            kind: .fixedPoint(
                FixedPointType(byteOrder: .littleEndian, isSigned: true, bitOffset: 0, bitPrecision: 32)))
        let array = Datatype(size: 24, version: 2, kind: .array(ArrayType(dimensions: [2, 3], base: int32)))
        #expect(datatype.kind == .compound(CompoundType(members: [.init(name: "m", byteOffset: 0, datatype: array)])))
    }

    @Test func enumerationsKeepNamesAndValuesInEveryVersion() throws {
        let fixtures = try #require(fixtures)
        for libver in ["earliest", "v108", "latest"] {
            let datatype = try parseDatatype(try fixtures.dataset("\(libver)/enum").datatypeMessage)
            guard case .enumeration(let enumeration) = datatype.kind else {
                Issue.record("not enum")
                continue
            }
            #expect(enumeration.members == [.init(name: "A", value: [0xff, 0xff]), .init(name: "B", value: [5, 0])])
            #expect(!enumeration.isBoolean)
            let boolean = try parseDatatype(try fixtures.dataset("\(libver)/bool").datatypeMessage)
            guard case .enumeration(let booleanEnumeration) = boolean.kind else {
                Issue.record("not enum")
                continue
            }
            #expect(booleanEnumeration.isBoolean)
        }
    }

    @Test func arraysAndSequencesHaveBaseTypes() throws {
        let fixtures = try #require(fixtures)
        for libver in ["earliest", "v108", "latest"] {
            let array = try parseDatatype(try fixtures.dataset("\(libver)/array").datatypeMessage)
            guard case .array(let arrayType) = array.kind else {
                Issue.record("not array")
                continue
            }
            #expect(arrayType.dimensions == [2, 3] && arrayType.base.size == 2 && array.size == 12)
            let sequence = try parseDatatype(try fixtures.dataset("\(libver)/vlen_i4").datatypeMessage)
            guard case .variableLength(let sequenceType) = sequence.kind else {
                Issue.record("not vlen")
                continue
            }
            #expect(sequenceType.kind == .sequence && sequenceType.base.size == 4)
        }
    }

    @Test func complexNumbersOfHDF5TwoParse() throws {
        let fixtures = try #require(fixtures)
        let datatype = try parseDatatype(try fixtures.dataset("latest/c8be_native").datatypeMessage)
        #expect(datatype.version == 5 && datatype.size == 8)
        let base = Datatype(
            size: 4, version: 1,
            kind: .floatingPoint(try #require(FloatingPointType.ieee(size: 4, byteOrder: .bigEndian))))
        #expect(datatype.kind == .complex(ComplexType(form: .rectangular, base: base)))
    }

    @Test func revisedReferenceTypesNeedEncodingVersionOne() throws {
        let fixtures = try #require(H5pyFixtures.shared)
        if let written = fixtures.datasets.first(where: { $0.name == "revised/object2" }) {
            #expect(
                try parseDatatype(written.datatypeMessage)
                    == Datatype(size: 18, version: 4, kind: .reference(ReferenceType(kind: .revisedObject))))
        }
        // Datatype version 4, class 7, type 2 (H5R_OBJECT2), encoding version 1; size 17.
        #expect(
            try parseDatatype([0x47, 0x12, 0, 0, 17, 0, 0, 0]).kind == .reference(ReferenceType(kind: .revisedObject)))
        #expect(throws: HDF5Error.self) { try parseDatatype([0x47, 0x22, 0, 0, 17, 0, 0, 0]) }
    }

    @Test func vaxOrderIsRecognisedFromVersionThree() throws {
        var bytes: [UInt8] = [0x31, 0x41, 0x1f, 0x00, 4, 0, 0, 0, 0, 0, 32, 0, 23, 8, 0, 23, 127, 0, 0, 0]
        guard case .floatingPoint(let vax) = try parseDatatype(bytes).kind else {
            Issue.record("not float")
            return
        }
        #expect(vax.byteOrder == .vax)
        bytes[1] = 0x40  // bit 6 without bit 0 is reserved
        #expect(throws: HDF5Error.self) { try parseDatatype(bytes) }
    }

    @Test func malformedMessagesThrowInsteadOfTrapping() throws {
        let int32: [UInt8] = [0x10, 0x08, 0x00, 0x00, 4, 0, 0, 0, 0, 0, 32, 0]
        for length in 0..<int32.count {
            #expect(throws: HDF5Error.self) { try parseDatatype(Array(int32.prefix(length))) }
        }
        #expect(throws: HDF5Error.self) { try parseDatatype([0x0c] + int32.dropFirst()) }  // class 12
        #expect(throws: HDF5Error.self) { try parseDatatype([0x60] + int32.dropFirst()) }  // version 6
        #expect(throws: HDF5Error.self) { try parseDatatype([0x10, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0]) }  // size 0
        #expect(throws: HDF5Error.self) { try parseDatatype([0x10, 0x08, 0, 0, 4, 0, 0, 0, 1, 0, 32, 0]) }  // 33 bits
    }

    @Test func nestingDeeperThanTheLimitIsRefused() throws {
        // Variable-length sequences of variable-length sequences ... of int32.
        let int32: [UInt8] = [0x10, 0x08, 0x00, 0x00, 4, 0, 0, 0, 0, 0, 32, 0]
        let sequenceHeader: [UInt8] = [0x19, 0x00, 0x00, 0x00, 16, 0, 0, 0]
        let shallow = Array(repeating: sequenceHeader, count: Limits.datatypeDepth - 1).flatMap { $0 } + int32
        #expect(try parseDatatype(shallow).size == 16)
        let deep = sequenceHeader + shallow
        #expect(
            throws: HDF5Error.limitExceeded(
                structure: "datatype message", offset: UInt64(8 * Limits.datatypeDepth),
                limit: "datatypes nested more than \(Limits.datatypeDepth) deep")
        ) { try parseDatatype(deep) }
    }
}

/// `description` as compact JSON in the shape of README.md's `dtype` key, written here
/// independently of the HDF5 module's JSON writer so that h5py's output checks both.
func contractJSON(_ description: DtypeDescription) -> String {
    func quoted(_ text: String) -> String { "\"" + text + "\"" }
    switch description {
    case .numpy(let type): return quoted(type)
    case .variableLengthString: return quoted("vlen-str")
    case .objectReference: return quoted("ref")
    case .regionReference: return quoted("regionref")
    case .compound(let fields):
        return "[" + fields.map { "[\(quoted($0.name)),\(contractJSON($0.dtype))]" }.joined(separator: ",") + "]"
    case .enumeration(let base, let members):
        let values = members.map { member -> String in
            switch member.value {
            case .signed(let value): return "\(quoted(member.name)):\(value)"
            case .unsigned(let value): return "\(quoted(member.name)):\(value)"
            default: return "\(quoted(member.name)):?"
            }
        }
        return "{\"enum\":\(contractJSON(base)),\"members\":{\(values.joined(separator: ","))}}"
    case .array(let base, let shape):
        return "{\"array\":\(contractJSON(base)),\"shape\":[\(shape.map(String.init).joined(separator: ","))]}"
    case .variableLength(let base):
        return "{\"vlen\":\(contractJSON(base))}"
    }
}

@Suite struct NumpyTypeTests {
    @Test func everyDescriptionMatchesH5pysDtype() throws {
        let fixtures = try #require(H5pyFixtures.shared)
        var described = Set<String>()
        for dataset in fixtures.datasets {
            let datatype = try parseDatatype(dataset.datatypeMessage)
            let json = contractJSON(try DtypeDescription(datatype, structure: "test", offset: 0))
            // h5py has no dtype for revised references, which nwbpeek calls "ref".
            #expect(json == (dataset.dtype == "unsupported" ? "\"ref\"" : dataset.dtype), "\(dataset.name)")
            described.insert(json)
        }
        #expect(described.count >= 28)
    }

    @Test func typesWithoutANumpyEquivalentAreUnsupported() throws {
        let time = Datatype(size: 4, version: 1, kind: .time(TimeType(byteOrder: .littleEndian, bitPrecision: 32)))
        #expect(throws: HDF5Error.self) { try DtypeDescription(time, structure: "test", offset: 0) }
        let int24 = Datatype(
            size: 3, version: 1,
            kind: .fixedPoint(
                FixedPointType(byteOrder: .littleEndian, isSigned: true, bitOffset: 0, bitPrecision: 24)))
        #expect(throws: HDF5Error.self) { try DtypeDescription(int24, structure: "test", offset: 0) }
        let vax = Datatype(
            size: 4, version: 3,
            kind: .floatingPoint(
                FloatingPointType(
                    byteOrder: .vax, signLocation: 31, bitPrecision: 32, exponentLocation: 23, exponentSize: 8,
                    mantissaSize: 23, exponentBias: 129)))
        #expect(throws: HDF5Error.self) { try DtypeDescription(vax, structure: "test", offset: 0) }
    }
}
