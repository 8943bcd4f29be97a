import ByteKit
import ByteSources
import HDF5Format

/// The bytes of a small contiguous dataset, read through the metadata store as libhdf5 reads
/// them through its sieve buffer: with the store's read-ahead around them. NWB writers put small
/// datasets side by side (the session's strings, a table's short columns), so over HTTP these
/// cost one request together, shared by concurrent reads, where each would cost its own.
struct SievedSource: ByteSource {
    /// Datasets of at most this many bytes are read through the store: the store's read-ahead.
    static let sizeLimit: UInt64 = 64 * 1024

    let store: MetadataStore

    var size: UInt64 { store.source.size }
    var name: String { store.source.name }

    func read(_ ranges: [ByteRange]) async throws -> [Bytes] {
        try await store.decode { view in
            try ranges.map { try view.bytes(at: $0.offset, length: $0.length, structure: "contiguous data") }
        }
    }
}
