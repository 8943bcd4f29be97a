import ArrayEngine
import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// Where `cat` writes: standard output or a file it creates. Writes run on a thread of their
/// own, so that a blocking write never holds one of the threads that decode chunks.
final class OutputFile: Sendable {
    let descriptor: Int32
    let name: String
    private let ownsDescriptor: Bool
    private let queue = DispatchQueue(label: "nwbpeek.output")

    /// Standard output.
    static var standardOutput: OutputFile { OutputFile(descriptor: STDOUT_FILENO, name: "standard output", owns: false) }

    /// Whether the output is a regular file (not standard output, a pipe or a device such as
    /// /dev/null): only such a file is removed when a read fails.
    let isRegularFile: Bool

    /// Whether writes bypass the page cache (`O_DIRECT`): each must then start at a multiple of
    /// `directAlignment` in the file and in memory, and be a multiple of it long.
    let isDirect: Bool
    /// The alignment direct writes keep: a page, which covers every device's logical block.
    static let directAlignment = 4096

    /// Linux's `O_DIRECT`, which Swift's Glibc module leaves out (a GNU extension).
    private static var directFlag: Int32? {
        #if os(Linux) && arch(x86_64)
        return 0o40000
        #elseif os(Linux) && arch(arm64)
        return 0o200000
        #else
        return nil
        #endif
    }

    /// Creates (or truncates) the file at `path`. With `direct`, its writes bypass the page cache
    /// where the file system allows it: a large output then neither evicts what the page cache
    /// holds nor waits on the kernel's reclaim and write-back (which made a 659 MiB dump take
    /// 0.5 to 1.5 s; 0.45 to 0.49 s direct, see Docs/BENCHMARKS.md).
    convenience init(creating path: String, direct: Bool = false) throws {
        if direct, let flag = Self.directFlag {
            let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | flag, 0o644)
            if descriptor >= 0 {
                self.init(descriptor: descriptor, name: path, owns: true, direct: true)
                return
            }
            // EINVAL: a file system without direct I/O (tmpfs); the error, if any, comes below.
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw CatFailure(message: "cannot open \(path) for writing: \(String(cString: strerror(errno)))")
        }
        self.init(descriptor: descriptor, name: path, owns: true, direct: false)
    }

    private init(descriptor: Int32, name: String, owns: Bool, direct: Bool = false) {
        self.descriptor = descriptor
        self.name = name
        ownsDescriptor = owns
        isDirect = direct
        var status = stat()
        isRegularFile = owns && fstat(descriptor, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    /// Writes all of `bytes`.
    func write(_ bytes: [UInt8]) async throws {
        try await onQueue { try bytes.withUnsafeBytes { try self.writeAll($0) } }
    }

    /// Writes the first `count` bytes of `buffer`, which must stay allocated until this returns.
    func write(_ buffer: Buffer, count: Int) async throws {
        try await onQueue { try self.writeAll(UnsafeRawBufferPointer(buffer.prefix(count))) }
    }

    /// Allocates the file's `size` bytes before they are written, for a direct output (which a
    /// file system that bypasses the page cache otherwise extends write by write, each write then
    /// allocating its blocks and growing the file). Advice: a failure leaves the writes to
    /// allocate. Only a regular file has blocks to allocate.
    func reserve(_ size: Int) async {
        guard isDirect, isRegularFile, size > 0 else { return }
        try? await onQueue { _ = posix_fallocate(self.descriptor, 0, off_t(size)) }
    }

    /// Cuts the file to `size` bytes (after direct writes of whole pages).
    func truncate(to size: Int) async throws {
        try await onQueue {
            guard ftruncate(self.descriptor, off_t(size)) == 0 else {
                throw CatFailure(message: "writing \(self.name) failed: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Runs `write` on the output's own thread.
    private func onQueue(_ write: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            queue.async { continuation.resume(with: Result { try write() }) }
        }
    }

    /// Writes every byte, resuming after partial writes and interruptions.
    func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, base + offset, bytes.count - offset)
            if written < 0, errno == EINTR { continue }
            if written < 0, errno == EINVAL, isDirect, let flag = Self.directFlag {
                // A file system that opened the file for direct I/O but refuses this write:
                // the rest is written through the page cache.
                let flags = fcntl(descriptor, F_GETFL)
                if flags >= 0, flags & flag != 0, fcntl(descriptor, F_SETFL, flags & ~flag) == 0 { continue }
            }
            guard written > 0 else {
                throw CatFailure(message: "writing \(name) failed: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    /// Memory a read fills and a write empties, in turn: handed between tasks, never shared by
    /// two at once. Released explicitly by its owner.
    struct Buffer: @unchecked Sendable {
        /// Aligned for direct writes; large buffers are mapped with huge pages, so that the first
        /// use of a block's buffer takes a fault per 2 MiB (about 17,000 small-page faults for
        /// the three buffers of a 659 MiB read).
        private let memory: LargeMemory
        private var base: UnsafeMutableRawPointer { memory.base }
        var count: Int { memory.count }

        init(count: Int) throws {
            memory = try LargeMemory(count: count, alignment: OutputFile.directAlignment)
        }

        func prefix(_ length: Int) -> UnsafeMutableRawBufferPointer {
            UnsafeMutableRawBufferPointer(start: base, count: min(length, count))
        }

        /// `length` bytes from `offset` (clamped to the buffer).
        func span(from offset: Int, count length: Int) -> UnsafeMutableRawBufferPointer {
            let start = min(max(offset, 0), count)
            return UnsafeMutableRawBufferPointer(start: base + start, count: min(length, count - start))
        }

        func release() { memory.release() }
    }
}
