import ByteKit
import Testing

@testable import HDF5Format

func parseDataspace(_ bytes: [UInt8], lengthSize: Int = 8) throws -> Dataspace {
    var cursor = ByteCursor(bytes: Bytes(bytes), baseOffset: 0, structure: "dataspace message")
    let context = FormatContext(offsetSize: 8, lengthSize: lengthSize, baseAddress: 0)
    let dataspace = try Dataspace(parsing: &cursor, context: context)
    #expect(try cursor.readBytes(cursor.remaining).array.allSatisfy { $0 == 0 })
    return dataspace
}

@Suite struct DataspaceTests {
    @Test func everyH5pyDataspaceMatchesH5pysShape() throws {
        let fixtures = try #require(H5pyFixtures.shared)
        var versions: Set<UInt8> = []
        for dataset in fixtures.datasets {
            let dataspace = try parseDataspace(dataset.dataspaceMessage)
            versions.insert(dataset.dataspaceMessage[0])
            let shape =
                dataspace.kind == .null
                ? "null" : "[" + dataspace.dimensions.map(String.init).joined(separator: ", ") + "]"
            #expect(
                shape == (dataset.shape == "[]" ? "[]" : dataset.shape.replacingOccurrences(of: ",]", with: "]")),
                "\(dataset.name)")
            let maximum = (dataspace.maxDimensions ?? dataspace.dimensions.map { $0 }).map {
                $0.map(String.init) ?? "null"
            }
            if dataspace.kind != .null {
                #expect("[" + maximum.joined(separator: ", ") + "]" == dataset.maxShape, "\(dataset.name)")
            }
            if let data = dataset.data {
                #expect(try dataspace.elementCount() == UInt64(data.count), "\(dataset.name)")
            }
        }
        #expect(versions == [1, 2])
    }

    @Test func scalarSimpleAndNullKindsAreDistinguished() throws {
        let fixtures = try #require(H5pyFixtures.shared)
        for libver in ["earliest", "latest"] {
            #expect(
                try parseDataspace(try fixtures.dataset("\(libver)/scalar").dataspaceMessage)
                    == Dataspace(kind: .scalar))
            #expect(
                try parseDataspace(try fixtures.dataset("\(libver)/empty").dataspaceMessage) == Dataspace(kind: .null))
            let unlimited = try parseDataspace(try fixtures.dataset("\(libver)/unlimited").dataspaceMessage)
            #expect(unlimited == Dataspace(kind: .simple, dimensions: [3, 4], maxDimensions: [nil, 4]))
        }
    }

    @Test func h5sEncodeBytesParse() throws {
        // H5Sencode output: 7 header bytes (type, version, size of lengths, extent size), the message.
        let output = try runPython(
            "import h5py; print(h5py.h5s.create_simple((3, 4), (h5py.h5s.UNLIMITED, 4)).encode().hex())")
        let encoded = hexBytes(output.trimmingCharacters(in: .whitespacesAndNewlines))
        let extentSize = Int(encoded[3]) | Int(encoded[4]) << 8
        let dataspace = try parseDataspace(Array(encoded[7..<7 + extentSize]))
        #expect(dataspace == Dataspace(kind: .simple, dimensions: [3, 4], maxDimensions: [nil, 4]))
    }

    @Test func versionOnePermutationIndicesAreSkippedAndLengthsMayBeNarrow() throws {
        // Version 1, rank 2, flags: max dimensions and permutation; 4-byte lengths.
        let bytes: [UInt8] =
            [1, 2, 3, 0, 0, 0, 0, 0] + [5, 0, 0, 0, 6, 0, 0, 0] + [0xff, 0xff, 0xff, 0xff, 6, 0, 0, 0]
            + [1, 0, 0, 0, 0, 0, 0, 0]
        let dataspace = try parseDataspace(bytes, lengthSize: 4)
        #expect(dataspace == Dataspace(kind: .simple, dimensions: [5, 6], maxDimensions: [nil, 6]))
        #expect(try dataspace.elementCount() == 30)
    }

    @Test func malformedDataspacesThrow() throws {
        #expect(throws: HDF5Error.self) { try parseDataspace([3, 0, 0, 0]) }  // version 3
        #expect(throws: HDF5Error.self) { try parseDataspace([2, 33, 0, 1]) }  // rank 33
        #expect(throws: HDF5Error.self) { try parseDataspace([2, 1, 0, 3, 1, 0, 0, 0, 0, 0, 0, 0]) }  // type 3
        // A scalar of rank 1.
        #expect(throws: HDF5Error.self) { try parseDataspace([2, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]) }
        #expect(throws: HDF5Error.self) { try parseDataspace([2, 2, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0]) }  // truncated
        let huge: [UInt8] =
            [2, 2, 0, 1] + Array(repeating: 0xff, count: 7) + [0x7f] + Array(repeating: 0xff, count: 7) + [0x7f]
        #expect(throws: HDF5Error.self) { try parseDataspace(huge).elementCount() }
    }
}
