#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ByteKit

/// A local file mapped into memory: every read is a zero-copy slice of the mapping.
public struct MappedFileSource: ResidentByteSource, VersionedByteSource {
    public let name: String
    /// The file's size and modification time when it was mapped.
    public let version: SourceVersion
    /// The whole file.
    public let contents: Bytes
    /// The mapping behind `contents` (nil for an empty file).
    private let region: MappedRegion?

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
        #if canImport(Glibc)
        let modified = status.st_mtim
        #else
        let modified = status.st_mtimespec
        #endif
        // Nanoseconds written with nine digits: `1764060384.012345678`.
        version = SourceVersion(
            size: UInt64(length),
            modificationTime: "\(modified.tv_sec)." + String(String(modified.tv_nsec + 1_000_000_000).dropFirst()))
        if length == 0 {
            contents = Bytes([])
            region = nil
            return
        }
        guard let address = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0),
            address != MAP_FAILED
        else {
            throw ByteSourceError.cannotOpen(name: path, reason: Self.systemError())
        }
        let region = MappedRegion(address: address, count: length)
        self.region = region
        contents = Bytes(storage: region)
    }

    /// Gives back the pages wholly inside `range` (the mapping is private and never written,
    /// so dropping its pages loses nothing: a later read faults them in from the page cache).
    public func discard(_ range: ByteRange) {
        guard let region, let end = range.end else { return }
        let page = UInt64(sysconf(Int32(_SC_PAGESIZE)))
        let first = (range.offset + page - 1) / page * page
        let last = min(end, UInt64(contents.count)) / page * page
        guard last > first else { return }
        _ = madvise(region.mutableAddress + Int(first), Int(last - first), MADV_DONTNEED)
    }

    private static func systemError() -> String {
        String(cString: strerror(errno))
    }
}

/// A read-only mapping, unmapped when the last `Bytes` referring to it goes.
final class MappedRegion: ByteStorage, @unchecked Sendable {
    let mutableAddress: UnsafeMutableRawPointer

    init(address: UnsafeMutableRawPointer, count: Int) {
        mutableAddress = address
        super.init(baseAddress: UnsafeRawPointer(address), count: count)
    }

    deinit { munmap(mutableAddress, count) }
}
