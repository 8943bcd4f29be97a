extension ByteCursor {
    /// Reads a message's version byte and throws `.unknownVersion` unless it is in `known`.
    mutating func readVersion(_ known: ClosedRange<UInt8>) throws -> UInt8 {
        let start = offset
        let version = try readUInt8()
        guard known.contains(version) else {
            throw HDF5Error.unknownVersion(structure: structure, offset: start, version: Int(version))
        }
        return version
    }
}
