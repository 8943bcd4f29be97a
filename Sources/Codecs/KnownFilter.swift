/// The filters this module decodes, by their filter identification value: below 256 the ones
/// The HDF Group defines, from 32000 the registered third-party filters (HDF5 File Format
/// Specification 4.0, IV.A.2.l, Data Storage - Filter Pipeline Message).
public enum KnownFilter: UInt16, Sendable, CaseIterable, CustomStringConvertible {
    case deflate = 1
    case shuffle = 2
    case fletcher32 = 3
    case szip = 4
    case nbit = 5
    case scaleOffset = 6
    /// h5py's LZF filter.
    case lzf = 32000
    /// PyTables' Blosc filter.
    case blosc = 32001
    /// The HDF5 LZ4 filter.
    case lz4 = 32004
    /// The bitshuffle filter, optionally with LZ4 or Zstandard.
    case bitshuffle = 32008
    /// The Zstandard filter.
    case zstd = 32015

    /// The filter's conventional name.
    public var name: String {
        switch self {
        case .deflate: "deflate"
        case .shuffle: "shuffle"
        case .fletcher32: "fletcher32"
        case .szip: "szip"
        case .nbit: "nbit"
        case .scaleOffset: "scaleoffset"
        case .lzf: "lzf"
        case .blosc: "blosc"
        case .lz4: "lz4"
        case .bitshuffle: "bitshuffle"
        case .zstd: "zstd"
        }
    }

    /// "deflate (filter 1)".
    public var description: String { "\(name) (filter \(rawValue))" }
}
