#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ByteKit

/// A local file mapped into memory: every read is a zero-copy slice of the mapping.
public struct MappedFileSource: ResidentByteSource {
    public let name: String
    /// The whole file.
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
