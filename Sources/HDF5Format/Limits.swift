/// Bounds on the work a decoder does for values read from a file, so that a malicious or
/// corrupt file cannot make a traversal run forever or allocate without bound.
public enum Limits {
    /// Continuation blocks followed for one object header.
    public static let continuationBlocks = 4096
    /// Messages in one object header.
    public static let messagesPerHeader = 65_536
    /// Depth of any B-tree (v1 or v2) and of fractal-heap indirect blocks.
    public static let treeDepth = 64
    /// Nodes visited in one B-tree walk.
    public static let treeNodes = 1_000_000
    /// Nesting of datatypes (compound in array in vlen ...).
    public static let datatypeDepth = 32
    /// Soft links followed while resolving one path (libhdf5's H5L_NUM_LINKS).
    public static let softLinkDepth = 16
    /// Members of a compound or enumeration datatype.
    public static let datatypeMembers = 65_536
    /// Elements materialised for one attribute value.
    public static let attributeElements = 16_777_216
    /// Bytes of one chunk, decoded: libhdf5 refuses chunks of 4 GiB or more (H5D__chunk_construct),
    /// and a reader allocates a whole chunk to decode it.
    public static let chunkBytes: UInt64 = (1 << 32) - 1
    /// Bytes one decoded metadata structure (a heap, a message) may occupy.
    public static let structureBytes: UInt64 = 1 << 30
    /// Structures (decoder reads of a file region) one open file may cost in all; see `WorkBudget`.
    /// A walk of a large NWB file with every attribute reads under a million.
    public static let structuresPerFile: UInt64 = 100_000_000
    /// Bytes those structures may span in all: 64 GiB, thousands of times a real file's metadata.
    public static let structureBytesPerFile: UInt64 = 64 << 30
}
