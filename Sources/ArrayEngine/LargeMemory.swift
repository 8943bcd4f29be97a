#if canImport(Glibc)
import Glibc
#endif

/// Memory for a large output, owned and released by its holder. From `mappingThreshold` bytes on
/// it is mapped with transparent huge pages where the system allows them: its first use then
/// takes a page fault per 2 MiB, not per 4 KiB (a 659 MiB read into small pages takes 168,000
/// faults, which cost more than the inflating). Smaller, it is allocated.
public struct LargeMemory: @unchecked Sendable {
    /// The first byte, valid for `count` bytes until `release()`.
    public let base: UnsafeMutableRawPointer
    public let count: Int
    /// The length mapped, for memory mapped rather than allocated.
    private let mappedLength: Int?

    /// Sizes from this one on are mapped.
    public static let mappingThreshold = 8 << 20
    static let hugePage = 2 << 20

    /// `count` bytes aligned to `alignment` at least (a mapping is aligned to a page).
    /// - Throws: `ArrayError.outOfMemory` when the system refuses a mapping (a size that a file
    ///   or a selection asks for may be more than the machine has).
    public init(count: Int, alignment: Int) throws {
        self.count = count
        if count >= Self.mappingThreshold {
            let (rounded, overflow) = count.addingReportingOverflow(Self.hugePage - 1)
            let length = rounded / Self.hugePage * Self.hugePage
            guard !overflow, let address = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
                address != MAP_FAILED
            else {
                throw ArrayError.outOfMemory(bytes: count)
            }
            // Advice only: where huge pages are off, the mapping works with small ones.
            _ = madvise(address, length, 14)  // MADV_HUGEPAGE, which Glibc's module does not export
            base = address
            mappedLength = length
            return
        }
        // One byte at least, so that empty memory still has a valid address.
        base = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: alignment)
        mappedLength = nil
    }

    /// Gives the memory back; `base` is invalid afterwards.
    public func release() {
        if let mappedLength {
            munmap(base, mappedLength)
        } else {
            base.deallocate()
        }
    }
}
