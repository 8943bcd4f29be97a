#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ByteKit

/// A local file mapped into memory: every read is a zero-copy slice of the mapping.
public struct MappedFileSource: ByteSource {
    public let name: String
    public let size: UInt64
    /// The whole file. Decoders may read it directly instead of issuing range reads.
    public let contents: Bytes

    /// Maps the file at `path` read-only.
    public init(path: String) throws {
        name = path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw ByteSourceError.cannotOpen(name: path, reason: Self.systemError())
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw ByteSourceError.cannotOpen(name: path, reason: Self.systemError())
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw ByteSourceError.cannotOpen(name: path, reason: "not a regular file")
        }
        let length = Int(status.st_size)
        size = UInt64(length)
        if length == 0 {
            contents = Bytes([])
            return
        }
        guard let address = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0),
            address != MAP_FAILED
        else {
            throw ByteSourceError.cannotOpen(name: path, reason: Self.systemError())
        }
        contents = Bytes(storage: MappedRegion(address: address, count: length))
    }

    public func read(_ ranges: [ByteRange]) async throws -> [Bytes] {
        try ranges.map { range in
            guard range.offset <= UInt64(Int.max), range.length <= UInt64(Int.max),
                let slice = contents.slice(from: Int(range.offset), count: Int(range.length))
            else {
                throw ByteSourceError.outOfBounds(name: name, range: range, size: size)
            }
            return slice
        }
    }

    private static func systemError() -> String {
        String(cString: strerror(errno))
    }
}

/// A read-only mapping, unmapped when the last `Bytes` referring to it goes.
final class MappedRegion: ByteStorage, @unchecked Sendable {
    private let mutableAddress: UnsafeMutableRawPointer

    init(address: UnsafeMutableRawPointer, count: Int) {
        mutableAddress = address
        super.init(baseAddress: UnsafeRawPointer(address), count: count)
    }

    deinit { munmap(mutableAddress, count) }
}
