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

    /// Creates (or truncates) the file at `path`.
    convenience init(creating path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw CatFailure(message: "cannot open \(path) for writing: \(String(cString: strerror(errno)))")
        }
        self.init(descriptor: descriptor, name: path, owns: true)
    }

    private init(descriptor: Int32, name: String, owns: Bool) {
        self.descriptor = descriptor
        self.name = name
        ownsDescriptor = owns
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
            guard written > 0 else {
                throw CatFailure(message: "writing \(name) failed: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    /// Memory a read fills and a write empties, in turn: handed between tasks, never shared by
    /// two at once. Released explicitly by its owner.
    struct Buffer: @unchecked Sendable {
        private let base: UnsafeMutableRawPointer
        let count: Int

        init(count: Int) {
            self.count = count
            base = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 64)
        }

        func prefix(_ length: Int) -> UnsafeMutableRawBufferPointer {
            UnsafeMutableRawBufferPointer(start: base, count: min(length, count))
        }

        func release() { base.deallocate() }
    }
}
