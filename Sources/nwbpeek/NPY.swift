import HDF5
import HDF5Format

/// NumPy's .npy format: a header, then the elements as stored.
enum NPY {
    /// The header of NumPy's .npy format (magic, version, header dictionary); the elements as
    /// stored follow it. Version 1.0, or 2.0 when the dictionary passes 1.0's 65,535 bytes (a
    /// compound of many members).
    static func header(shape: [UInt64], datatype: Datatype) throws -> [UInt8] {
        let description = try DtypeDescription(datatype, structure: "datatype", offset: 0)
        let descr = try descr(description, datatype: datatype)
        let shape = shape.map(String.init)
        let shapeText = "(" + shape.joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
        let dictionary = "{'descr': \(descr), 'fortran_order': False, 'shape': \(shapeText), }"
        // Magic (6) + version (2) + header length (2, or 4 in 2.0) + header, padded with spaces
        // and ended by a newline to a multiple of 64 bytes.
        for lengthBytes in [2, 4] {
            let prefix = 8 + lengthBytes
            let unpadded = prefix + dictionary.utf8.count + 1
            let header = dictionary + String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
            let length = header.utf8.count
            guard lengthBytes == 4 || length <= Int(UInt16.max) else { continue }
            let lengthField = (0..<lengthBytes).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
            return [0x93] + Array("NUMPY".utf8) + [lengthBytes == 2 ? 1 : 2, 0] + lengthField + Array(header.utf8)
        }
        throw CatFailure(message: "npy cannot hold a header of \(dictionary.utf8.count) bytes; use --format json")
    }

    /// The `descr` of a NumPy dtype whose items are the stored bytes.
    private static func descr(_ description: DtypeDescription, datatype: Datatype) throws -> String {
        let size = Int(datatype.size)
        switch description {
        case .numpy(let type):
            if type == "|b1", size != 1 { break }
            return "'\(type)'"
        case .compound:
            guard case .compound(let compound) = datatype.kind else { break }
            // A list of (name, type) fields in offset order, gaps as unnamed void fields: the
            // form `numpy.load` reads back (it refuses a dict with offsets).
            var fields: [String] = []
            var position = 0
            for member in compound.members.sorted(by: { $0.byteOffset < $1.byteOffset }) {
                let memberDescription = try DtypeDescription(member.datatype, structure: "datatype", offset: 0)
                guard case .numpy(let type) = memberDescription, Int(member.byteOffset) >= position else {
                    throw CatFailure(message: "npy cannot hold member \(member.name) (\(memberDescription)); use --format json")
                }
                if Int(member.byteOffset) > position { fields.append("('', '|V\(Int(member.byteOffset) - position)')") }
                let name = member.name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
                fields.append("('\(name)', '\(type)')")
                position = Int(member.byteOffset) + Int(member.datatype.size)
            }
            if size > position { fields.append("('', '|V\(size - position)')") }
            return "[" + fields.joined(separator: ", ") + "]"
        default:
            break
        }
        throw CatFailure(message: "npy cannot hold \(description) values; use --format json")
    }
}
