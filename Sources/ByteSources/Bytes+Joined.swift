import ByteKit

extension Bytes {
    /// `parts` end to end in one new buffer (a copy): for a range assembled from several runs.
    static func joined(_ parts: [Bytes]) -> Bytes {
        if parts.count == 1, let only = parts.first { return only }
        let storage = HeapByteStorage(count: parts.reduce(0) { $0 + $1.count }) { buffer in
            var position = 0
            for part in parts {
                part.withUnsafeBytes { source in
                    UnsafeMutableRawBufferPointer(rebasing: buffer[position..<(position + source.count)])
                        .copyMemory(from: source)
                }
                position += part.count
            }
        }
        return Bytes(storage: storage)
    }
}
