import ByteKit

/// A heap buffer that network transfers write into and that becomes immutable `Bytes` once every
/// transfer into it has finished: the received bytes are never copied again.
///
/// Only the transfer thread writes, each transfer into its own disjoint part, and readers see
/// the buffer only after the transfers' completions were awaited (a continuation's resumption
/// orders the writes before the reads).
final class ReceiveBuffer: ByteStorage, @unchecked Sendable {
    let mutableBaseAddress: UnsafeMutableRawPointer

    init(count: Int) {
        // One byte at least, so that an empty buffer still has a valid address.
        mutableBaseAddress = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
        super.init(baseAddress: UnsafeRawPointer(mutableBaseAddress), count: count)
    }

    /// The first `count` bytes, sharing this buffer.
    func bytes(count: Int) -> Bytes {
        Bytes(storage: self).slice(from: 0, count: min(count, self.count)) ?? Bytes([])
    }

    deinit { mutableBaseAddress.deallocate() }
}
