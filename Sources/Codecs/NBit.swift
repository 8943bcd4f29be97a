import ByteKit

/// The n-bit filter (filter 5), after libhdf5's H5Znbit.c: only the significant bits of every
/// integer and floating-point value (its precision, at its bit offset) are stored, packed most
/// significant first with no gaps; decoding puts them back in place and zeroes the padding bits.
/// Members of other classes (strings, opaque, references, ...) are stored as whole bytes.
///
/// Client data, as libhdf5's set-local callback computes it from the datatype:
///
/// ```text
/// [0] number of values
/// [1] 1 when nothing needs packing (the data is stored as it is)
/// [2] number of elements in a chunk
/// [3...] the datatype, one description:
///   1 atomic     size, byte order (0 little-endian, 1 big-endian), precision, offset
///   2 array      size, then the description of the base type
///   3 compound   size, number of members, then each member's byte offset and description
///   4 no-op      size
/// ```
public struct NBitCodec: Codec {
    public var filter: KnownFilter { .nbit }

    /// A datatype as the client data describes it.
    public indirect enum Datatype: Sendable, Equatable {
        /// An integer or floating-point type: `precision` significant bits at bit `offset`.
        case atomic(size: Int, isBigEndian: Bool, precision: Int, offset: Int)
        case array(size: Int, base: Datatype)
        case compound(size: Int, members: [Member])
        /// A type stored whole.
        case noOp(size: Int)

        public var size: Int {
            switch self {
            case .atomic(let size, _, _, _), .array(let size, _), .compound(let size, _), .noOp(let size): size
            }
        }
    }

    public struct Member: Sendable, Equatable {
        public let offset: Int
        public let datatype: Datatype
    }

    /// What the chunk holds: nil when nothing needed packing and chunks are stored as they are.
    public let datatype: Datatype?
    /// The number of elements in a chunk.
    public let elementCount: Int

    /// Nesting deeper than this is refused (libhdf5 bounds the description to 4096 values).
    static let maximumNesting = 32

    public init(clientData: [UInt32]) throws {
        guard clientData.count >= 2, Int(clientData[0]) == clientData.count else {
            throw Self.invalid("the first value must count the values (\(clientData.count)); found \(clientData.first ?? 0)")
        }
        guard clientData[1] == 0 else {
            datatype = nil
            elementCount = 0
            return
        }
        guard clientData.count >= 5 else { throw Self.invalid("\(clientData.count) values cannot describe a datatype") }
        elementCount = Int(clientData[2])
        var parser = DescriptionParser(values: clientData.map(Int.init), index: 3)
        let datatype = try parser.parseDatatype(depth: 0)
        if case .noOp = datatype {
            throw Self.invalid("a no-op datatype at the top level, yet the values say packing is needed")
        }
        self.datatype = datatype
    }

    static func invalid(_ reason: String) -> CodecError {
        .invalidParameters(filter: .nbit, reason: reason)
    }

    /// Reads datatype descriptions from the client data, checking each as libhdf5 does and more.
    private struct DescriptionParser {
        let values: [Int]
        var index: Int

        mutating func next(_ what: String) throws -> Int {
            guard index < values.count else { throw NBitCodec.invalid("the values stop before the \(what)") }
            defer { index += 1 }
            return values[index]
        }

        mutating func parseDatatype(depth: Int) throws -> Datatype {
            guard depth <= NBitCodec.maximumNesting else {
                throw NBitCodec.invalid("datatypes nested deeper than \(NBitCodec.maximumNesting)")
            }
            let typeClass = try next("datatype class")
            let size = try next("datatype size")
            guard size > 0 else { throw NBitCodec.invalid("a datatype of size 0") }
            switch typeClass {
            case 1:
                let order = try next("byte order")
                let precision = try next("precision")
                let offset = try next("bit offset")
                guard order <= 1, precision > 0, precision <= size * 8, offset <= size * 8 - precision else {
                    throw NBitCodec.invalid(
                        "atomic type of \(size) bytes with order \(order), precision \(precision), offset \(offset)")
                }
                return .atomic(size: size, isBigEndian: order == 1, precision: precision, offset: offset)
            case 2:
                let base = try parseDatatype(depth: depth + 1)
                return .array(size: size, base: base)
            case 3:
                let memberCount = try next("number of members")
                // Each member takes at least three values: its offset, a class and a size.
                guard memberCount <= (values.count - index) / 3 else {
                    throw NBitCodec.invalid("\(memberCount) compound members in \(values.count) values")
                }
                var members: [Member] = []
                var usedSize = 0
                for _ in 0..<memberCount {
                    let offset = try next("member offset")
                    let member = try parseDatatype(depth: depth + 1)
                    usedSize += member.size
                    guard usedSize <= size, offset <= size - member.size else {
                        throw NBitCodec.invalid("a compound member overflows its \(size)-byte compound")
                    }
                    members.append(Member(offset: offset, datatype: member))
                }
                return .compound(size: size, members: members)
            case 4:
                return .noOp(size: size)
            default:
                throw NBitCodec.invalid("unknown datatype class \(typeClass)")
            }
        }
    }

    public func decode(_ input: Bytes, into output: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let datatype else {
            guard input.count <= output.count else {
                throw CodecError.outputOverrun(filter: filter, limit: output.count, declared: UInt64(input.count))
            }
            input.copy(to: output)
            return input.count
        }
        let (decodedSize, overflow) = elementCount.multipliedReportingOverflow(by: datatype.size)
        guard !overflow, decodedSize <= output.count else {
            throw CodecError.outputOverrun(
                filter: filter, limit: output.count, declared: UInt64(elementCount) * UInt64(datatype.size))
        }
        let target = output.region(from: 0, count: decodedSize)
        target.initializeMemory(as: UInt8.self, repeating: 0)
        try input.withUnsafeBytes { packed in
            var reader = BitReader(packed, filter: filter)
            for element in 0..<elementCount {
                try unpack(datatype, at: element * datatype.size, into: target, from: &reader)
            }
        }
        return decodedSize
    }

    private func unpack(
        _ datatype: Datatype, at offset: Int, into output: UnsafeMutableRawBufferPointer, from reader: inout BitReader
    ) throws {
        switch datatype {
        case .atomic(let size, let isBigEndian, let precision, let bitOffset):
            try unpackAtomic(
                size: size, isBigEndian: isBigEndian, precision: precision, bitOffset: bitOffset, at: offset,
                into: output, from: &reader)
        case .array(let size, .noOp):
            // libhdf5 copies an array of no-op elements whole.
            try unpack(.noOp(size: size), at: offset, into: output, from: &reader)
        case .array(let size, let base):
            for element in 0..<(size / base.size) {
                try unpack(base, at: offset + element * base.size, into: output, from: &reader)
            }
        case .compound(_, let members):
            for member in members {
                try unpack(member.datatype, at: offset + member.offset, into: output, from: &reader)
            }
        case .noOp(let size):
            for index in 0..<size {
                output[offset + index] = UInt8(try reader.read(8))
            }
        }
    }

    /// H5Z_nbit_decompress_one_atomic: the bytes holding significant bits, most significant first;
    /// the first and last may hold only some.
    private func unpackAtomic(
        size: Int, isBigEndian: Bool, precision: Int, bitOffset: Int, at offset: Int,
        into output: UnsafeMutableRawBufferPointer, from reader: inout BitReader
    ) throws {
        let bitLength = size * 8
        // Byte indices in value order: 0 is the least significant byte.
        let mostSignificant = (precision + bitOffset - 1) / 8
        let leastSignificant = bitOffset / 8
        for significance in stride(from: mostSignificant, through: leastSignificant, by: -1) {
            var bitCount = 8
            var shift = 0
            if mostSignificant == leastSignificant {
                bitCount = precision
                shift = bitOffset % 8
            } else if significance == mostSignificant {
                bitCount = 8 - (bitLength - precision - bitOffset) % 8
            } else if significance == leastSignificant {
                bitCount = 8 - bitOffset % 8
                shift = 8 - bitCount
            }
            let byteIndex = isBigEndian ? size - 1 - significance : significance
            output[offset + byteIndex] = UInt8(try reader.read(bitCount) << shift)
        }
    }

    /// libhdf5 packs into a buffer the size of the data: the packed form is never larger.
    public func encodedSize(decodedSize: ByteCountBound) -> ByteCountBound { .atMost(decodedSize.limit) }
}
