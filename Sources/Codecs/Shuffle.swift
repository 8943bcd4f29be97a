import ByteKit

/// The shuffle filter (filter 2), after libhdf5's H5Z_filter_shuffle: the writer stores byte 0 of
/// every element, then byte 1 of every element, and so on; reading interleaves them back.
///
/// Client data: one value, the element size in bytes. Bytes past the last whole element are
/// stored as they are, after the shuffled ones. Elements of one byte, or a chunk holding at most one
/// whole element, are stored unshuffled.
public struct ShuffleCodec: Codec {
    public var filter: KnownFilter { .shuffle }

    /// The size of one element in bytes.
    public let elementSize: Int

    /// - Parameter clientData: the filter's client data; when empty, `fallbackElementSize` (the
    ///   dataset's element size) is used, as libhdf5 would have stored it.
    public init(clientData: [UInt32], fallbackElementSize: Int) throws {
        let elementSize = clientData.first.map(Int.init) ?? fallbackElementSize
        guard clientData.count <= 1, elementSize > 0 else {
            throw CodecError.invalidParameters(
                filter: .shuffle,
                reason: "expected one value, the element size (greater than 0); found \(clientData)")
        }
        self.elementSize = elementSize
    }

    public func decode(_ input: Bytes, into output: UnsafeMutableRawBufferPointer) throws -> Int {
        guard input.count <= output.count else {
            throw CodecError.outputOverrun(filter: filter, limit: output.count, declared: UInt64(input.count))
        }
        let elementCount = input.count / elementSize
        guard elementSize > 1, elementCount > 1 else {
            input.copy(to: output)
            return input.count
        }
        input.withUnsafeBytes { source in
            guard let sourceBase = source.baseAddress, let outputBase = output.baseAddress else { return }
            let sourceBytes = sourceBase.assumingMemoryBound(to: UInt8.self)
            let outputBytes = outputBase.assumingMemoryBound(to: UInt8.self)
            Self.unshuffle(
                sourceBytes, into: outputBytes, elementCount: elementCount, elementSize: elementSize)
            let shuffledCount = elementCount * elementSize
            // The leftover bytes are stored after the shuffled ones, unchanged.
            (outputBytes + shuffledCount).update(from: sourceBytes + shuffledCount, count: input.count - shuffledCount)
        }
        return input.count
    }

    /// Interleaves `elementSize` planes of `elementCount` bytes: plane `b` holds byte `b` of every
    /// element.
    static func unshuffle(
        _ source: UnsafePointer<UInt8>, into destination: UnsafeMutablePointer<UInt8>, elementCount: Int,
        elementSize: Int
    ) {
        if elementSize == 2 {
            // The common case (int16 recordings): write whole elements in order.
            let high = source + elementCount
            for element in 0..<elementCount {
                destination[2 * element] = source[element]
                destination[2 * element + 1] = high[element]
            }
            return
        }
        for byteIndex in 0..<elementSize {
            let plane = source + byteIndex * elementCount
            var target = destination + byteIndex
            for element in 0..<elementCount {
                target.pointee = plane[element]
                target += elementSize
            }
        }
    }

    /// Shuffle keeps the size.
    public func encodedSize(decodedSize: ByteCountBound) -> ByteCountBound { decodedSize }
}
