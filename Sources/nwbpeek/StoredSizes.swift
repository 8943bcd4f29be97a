import ArgumentParser
import ByteSources
import HDF5

/// `--sizes`, and which datasets' stored sizes `ls` and `info` read. A chunked dataset's stored
/// size is the sum of its chunks', which only its whole chunk index gives: on a long recording,
/// hundreds of nodes spread through the file. A local file's are read at no cost, and so are
/// those of a file opened from an index (which holds its chunk indexes); a remote file's only
/// for datasets of at most `remoteChunkLimit` chunks, unless `--sizes` asks.
struct StoredSizes: ParsableArguments {
    @Flag(
        name: .customLong("sizes"),
        help: ArgumentHelp(
            "Show the stored size of every chunked dataset of a remote file.",
            discussion: """
                A chunked dataset's stored size is the sum of its chunks' sizes, which only its whole chunk \
                index gives: on a long recording, hundreds of nodes spread through the file. Remotely, the \
                sizes of datasets of more than \(StoredSizes.remoteChunkLimit) chunks are left out unless \
                asked for; a local file shows them all.
                """))
    var all = false

    /// Chunks above which a remote dataset's stored size is left out without `--sizes`. A
    /// version 1 B-tree node holds 64 chunks (libhdf5's default), so the chunk indexes of
    /// datasets this size take two rounds of a few requests; the index of a one-hour recording
    /// of 21,600 chunks took 383 requests and 2.4 s over a 40 ms link.
    static let remoteChunkLimit: UInt64 = 1024

    /// Whether the stored size of `dataset`, a dataset of `file` opened as `source` says, is to
    /// be read. A file opened from an index has its chunk indexes in hand.
    func reads(_ dataset: HDF5Object, of file: HDF5File, openedAs source: SourceOptions) -> Bool {
        all || source.index != nil || !(file.source is HTTPSource)
            || (dataset.chunkGridCount ?? 0) <= Self.remoteChunkLimit
    }

    /// Says on stderr that `count` datasets' sizes were left out, when any were.
    static func reportLeftOut(_ count: Int) {
        guard count > 0 else { return }
        printError(
            "stored sizes of \(count) dataset\(count == 1 ? "" : "s") of more than \(remoteChunkLimit) chunks left out "
                + "(their chunk indexes take many requests); --sizes shows them")
    }
}
