import ByteKit
import TestSupport
import Testing

@testable import HDF5Format

/// `value` as the fixture script's `path=leaf` lines.
func flatten(_ value: Value, path: String, into lines: inout [String]) {
    func float(_ number: Double) -> String {
        number.isNaN
            ? "f:nan"
            : "f:" + String(repeating: "0", count: 16 - String(number.bitPattern, radix: 16).count)
                + String(number.bitPattern, radix: 16)
    }
    func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(repeating: "0", count: $0 < 16 ? 1 : 0) + String($0, radix: 16) }.joined()
    }
    switch value {
    case .signed(let integer): lines.append("\(path)=i:\(integer)")
    case .unsigned(let integer): lines.append("\(path)=i:\(integer)")
    case .float16(let number): lines.append("\(path)=\(float(Double(number)))")
    case .float32(let number): lines.append("\(path)=\(float(Double(number)))")
    case .float64(let number): lines.append("\(path)=\(float(number))")
    case .boolean(let truth): lines.append("\(path)=b:\(truth)")
    case .string(let text): lines.append("\(path)=s:\(hex(Array(text.utf8)))")
    case .opaque(let bytes): lines.append("\(path)=x:\(hex(bytes))")
    case .compound(let fields):
        for field in fields { flatten(field.value, path: "\(path).\(field.name)", into: &lines) }
    case .array(let elements), .sequence(let elements):
        for (index, element) in elements.enumerated() { flatten(element, path: "\(path)[\(index)]", into: &lines) }
    case .complex(let real, let imaginary):
        flatten(real, path: "\(path).re", into: &lines)
        flatten(imaginary, path: "\(path).im", into: &lines)
    case .objectReference(let target): lines.append("\(path)=r:\(target.map(String.init) ?? "null")")
    case .regionReference(let target, _): lines.append("\(path)=rr:\(target.map(String.init) ?? "null")")
    case .attributeReference(let target, let name):
        lines.append("\(path)=ar:\(target.map(String.init) ?? "null"):\(name)")
    }
}

@Suite struct ValueTests {
    let context = H5pyFixtures.context

    /// Decodes a fixture dataset's contiguous data.
    func decode(_ dataset: H5pyFixtures.Dataset, view: FileView) throws -> [Value] {
        let data = try #require(dataset.data)
        let datatype = try parseDatatype(dataset.datatypeMessage)
        let bytes = try view.bytes(at: data.offset, length: data.size, structure: "raw data")
        return try ValueDecoder(view: view, context: context).decode(
            bytes, datatype: datatype, count: data.count, structure: "raw data", offset: data.offset)
    }

    @Test func everyH5pyDatasetDecodesToWhatH5pyReads() throws {
        let fixtures = try #require(H5pyFixtures.shared)
        var compared = 0
        for file in fixtures.files.keys.sorted() {
            let view = try fixtures.view(file: file)
            for dataset in fixtures.datasets where dataset.file == file && dataset.data != nil {
                var lines: [String] = []
                for (index, value) in try decode(dataset, view: view).enumerated() {
                    flatten(value, path: "[\(index)]", into: &lines)
                }
                #expect(lines == dataset.values, "\(dataset.name)")
                compared += 1
            }
        }
        #expect(compared > 80)
    }

    @Test func valuesKeepTheirPrecision() throws {
        let fixtures = try #require(H5pyFixtures.shared)
        let view = try fixtures.view(file: "earliest")
        #expect(try decode(try fixtures.dataset("earliest/f4"), view: view).first == .float32(0.1))
        #expect(try decode(try fixtures.dataset("earliest/f2be"), view: view).first == .float16(0.1))
        #expect(try decode(try fixtures.dataset("earliest/f8be"), view: view).first == .float64(0.1))
        #expect(try decode(try fixtures.dataset("earliest/bool"), view: view) == [.boolean(true), .boolean(false)])
        #expect(try decode(try fixtures.dataset("earliest/enum"), view: view) == [.signed(-1), .signed(5)])
        #expect(try decode(try fixtures.dataset("earliest/u8"), view: view) == [.unsigned(.max), .unsigned(0)])
        #expect(
            try decode(try fixtures.dataset("earliest/fixed_ascii"), view: view)
                == [.string("ab"), .string("abcde"), .string("a\u{0}b"), .string("")])
        #expect(
            try decode(try fixtures.dataset("earliest/fixed_utf8"), view: view)
                == [.string("é"), .string("ü£"), .string("ÿ")])
        #expect(
            try decode(try fixtures.dataset("earliest/fixed_spacepad"), view: view) == [
                .string("ab"), .string("abcdef"),
            ])
        #expect(
            try decode(try fixtures.dataset("earliest/fixed_nullterm"), view: view)
                == [.string("abcde"), .string("a"), .string("a b  ")])
    }

    @Test func revisedReferencesResolveThroughTheGlobalHeap() throws {
        let fixtures = try #require(H5pyFixtures.shared)
        try #require(fixtures.files["revised"] != nil, "this libhdf5 could not write revised references")
        let view = try fixtures.view(file: "revised")
        let values = try decode(try fixtures.dataset("revised/region2"), view: view)
        guard case .regionReference(let target, let selection) = values[0] else {
            Issue.record("\(values)")
            return
        }
        #expect(target != nil)
        // The fixture selects 3 elements from index 2 of a 10-element dataset.
        #expect(try DataspaceSelection(decoding: selection, offset: 0) == .blocks([(start: [2], end: [4])]))
        #expect(
            try decode(try fixtures.dataset("revised/attribute"), view: view)[0]
                == .attributeReference(target: target, name: "units"))
    }

    @Test func regionReferencesKeepTheirSelection() throws {
        let fixtures = try #require(H5pyFixtures.shared)
        let view = try fixtures.view(file: "earliest")
        let values = try decode(try fixtures.dataset("earliest/regionrefs"), view: view)
        guard case .regionReference(let target, let selection) = values[0] else {
            Issue.record("\(values)")
            return
        }
        #expect(target != nil && !selection.isEmpty)
        #expect(values[1] == .regionReference(target: nil, selection: []))
    }

    @Test func integersHonourBitOffsetAndPrecision() {
        // 12 bits at offset 3 of a little-endian 16-bit word: 0b0_1111_1111_1111_000 is -1 signed.
        let signed = FixedPointType(byteOrder: .littleEndian, isSigned: true, bitOffset: 3, bitPrecision: 12)
        #expect(signed.value(of: 0b0111_1111_1111_1000) == .signed(-1))
        #expect(signed.value(of: 0b0011_1111_1111_1000) == .signed(2047))
        let unsigned = FixedPointType(byteOrder: .littleEndian, isSigned: false, bitOffset: 3, bitPrecision: 12)
        #expect(unsigned.value(of: 0b1111_1111_1111_1111) == .unsigned(4095))
    }

    @Test func nonIEEEFloatsDecodeFromTheirFields() {
        // bfloat16: the top half of a float32.
        let bfloat16 = FloatingPointType(
            byteOrder: .littleEndian, signLocation: 15, bitPrecision: 16, exponentLocation: 7, exponentSize: 8,
            mantissaSize: 7, exponentBias: 127)
        #expect(!bfloat16.isIEEE(size: 2))
        #expect(bfloat16.genericValue(littleEndianBytes: [0xc0, 0x3f]) == 1.5)
        #expect(bfloat16.genericValue(littleEndianBytes: [0x80, 0xff]) == -.infinity)
        #expect(bfloat16.genericValue(littleEndianBytes: [0xc0, 0x7f]).isNaN)
        #expect(bfloat16.genericValue(littleEndianBytes: [0x01, 0x00]) == Double(Float(bitPattern: 0x0001_0000)))
    }

    @Test func truncatedDataAndAbsurdCountsThrow() throws {
        let fixtures = try #require(H5pyFixtures.shared)
        let view = try fixtures.view(file: "earliest")
        let decoder = ValueDecoder(view: view, context: context)
        let int32 = Datatype(
            size: 4, version: 1,
            kind: .fixedPoint(
                FixedPointType(byteOrder: .littleEndian, isSigned: true, bitOffset: 0, bitPrecision: 32)))
        #expect(throws: HDF5Error.self) {
            try decoder.decode(Bytes([1, 2, 3, 4, 5]), datatype: int32, count: 2, structure: "test", offset: 0)
        }
        #expect(throws: HDF5Error.self) {
            try decoder.decode(Bytes([1, 2, 3, 4]), datatype: int32, count: .max, structure: "test", offset: 0)
        }
        #expect(
            try decoder.decode(Bytes([1, 0, 0, 0]), datatype: int32, count: 1, structure: "test", offset: 0) == [
                .signed(1)
            ])
        // A variable-length string whose heap ID points at no collection.
        let string = Datatype(
            size: 16, version: 1,
            kind: .variableLength(
                VariableLengthType(
                    kind: .string(StringType(padding: .nullTerminate, characterSet: .utf8)),
                    base: Datatype(
                        size: 1, version: 1, kind: .string(StringType(padding: .nullTerminate, characterSet: .utf8))))))
        let element: [UInt8] = [3, 0, 0, 0] + [8, 0, 0, 0, 0, 0, 0, 0] + [1, 0, 0, 0]
        #expect(throws: HDF5Error.self) {
            try decoder.decode(Bytes(element), datatype: string, count: 1, structure: "test", offset: 0)
        }
        let null: [UInt8] = Array(repeating: 0, count: 16)
        #expect(
            try decoder.decode(Bytes(null), datatype: string, count: 1, structure: "test", offset: 0) == [.string("")])
    }
}

@Suite struct GlobalHeapCollectionTests {
    let context = FormatContext(offsetSize: 8, lengthSize: 8, baseAddress: 0)

    /// A collection at offset 0 holding `objects` (index, data), then free space.
    func collection(_ objects: [(UInt16, [UInt8])], size: Int = 4096) -> [UInt8] {
        var bytes = Array("GCOL".utf8) + [1, 0, 0, 0] + withUnsafeBytes(of: UInt64(size).littleEndian, Array.init)
        for (index, data) in objects {
            bytes += withUnsafeBytes(of: index.littleEndian, Array.init) + [1, 0, 0, 0, 0, 0]
            bytes += withUnsafeBytes(of: UInt64(data.count).littleEndian, Array.init)
            bytes += data + Array(repeating: 0, count: (8 - data.count % 8) % 8)
        }
        let free = size - bytes.count
        bytes += [0, 0, 0, 0, 0, 0, 0, 0] + withUnsafeBytes(of: UInt64(free).littleEndian, Array.init)
        return bytes + Array(repeating: 0, count: max(size - bytes.count, 0))
    }

    @Test func objectsAreFoundByIndexWithoutTheirPadding() throws {
        let view = FileView(
            wholeFile: Bytes(collection([(1, Array("hello".utf8)), (7, [1, 2, 3, 4, 5, 6, 7, 8, 9])])))
        let heap = try GlobalHeapCollection.read(view: view, address: 0, context: context)
        #expect(try heap.object(index: 1).data.array == Array("hello".utf8))
        #expect(try heap.object(index: 7).data.array == [1, 2, 3, 4, 5, 6, 7, 8, 9])
        #expect(throws: HDF5Error.self) { try heap.object(index: 2) }
        #expect(throws: HDF5Error.self) { try heap.object(index: 0x1_0001) }
    }

    @Test func malformedCollectionsThrow() throws {
        var bytes = collection([(1, [1]), (1, [2])])
        #expect(throws: HDF5Error.self) {
            try GlobalHeapCollection.read(view: FileView(wholeFile: Bytes(bytes)), address: 0, context: context)
        }
        bytes = collection([(1, [1])])
        bytes[0] = UInt8(ascii: "X")
        #expect(throws: HDF5Error.self) {
            try GlobalHeapCollection.read(view: FileView(wholeFile: Bytes(bytes)), address: 0, context: context)
        }
        // An object claiming more bytes than the collection holds.
        bytes = collection([(1, [1])])
        bytes[30] = 0xff
        #expect(throws: HDF5Error.self) {
            try GlobalHeapCollection.read(view: FileView(wholeFile: Bytes(bytes)), address: 0, context: context)
        }
        // A collection size past the end of the file, and one below its header's.
        for size: UInt8 in [0x20, 0x08] {
            bytes = collection([(1, [1])], size: 64)
            bytes[8] = size
            bytes[9] = size == 0x20 ? 0x10 : 0
            #expect(throws: HDF5Error.self) {
                try GlobalHeapCollection.read(view: FileView(wholeFile: Bytes(bytes)), address: 0, context: context)
            }
        }
    }

    @Test func unfetchedCollectionsAskForTheirBytes() throws {
        let view = FileView(fileSize: 1 << 20)
        #expect(throws: BytesNeeded(range: ByteRange(offset: 4096, length: 16))) {
            try GlobalHeapCollection.read(view: view, address: 4096, context: context)
        }
    }
}

@Suite struct MalformedInputTests {
    /// Flips random bytes of every fixture datatype message and decodes random elements of
    /// whatever still parses: every outcome must be a value or an `HDF5Error`, never a trap.
    @Test func corruptedDatatypesAndDataNeverTrap() throws {
        let fixtures = try #require(H5pyFixtures.shared)
        var generator = SystemRandomNumberGenerator()
        let seed = UInt64.random(in: 0...UInt64.max, using: &generator)
        var random = SplitMix64(seed: seed)
        let view = try fixtures.view(file: "earliest")
        let decoder = ValueDecoder(view: view, context: H5pyFixtures.context)
        var parsed = 0
        for dataset in fixtures.datasets where dataset.file == "earliest" {
            for _ in 0..<50 {
                var bytes = dataset.datatypeMessage
                for _ in 0...Int(random.next() % 3) {
                    bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
                }
                var cursor = ByteCursor(bytes: Bytes(bytes), baseOffset: 0, structure: "fuzzed datatype")
                guard let datatype = try? Datatype(parsing: &cursor), datatype.size <= 4096 else { continue }
                parsed += 1
                let data = (0..<Int(datatype.size) * 2).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                do {
                    _ = try decoder.decode(Bytes(data), datatype: datatype, count: 2, structure: "fuzz", offset: 0)
                } catch is HDF5Error {
                    continue
                }
            }
        }
        #expect(parsed > 100, "seed \(seed)")
    }
}
