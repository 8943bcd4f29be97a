/// The chunks a selection touches and, for each, the runs of elements to copy from the chunk
/// to the output. A run is `count` elements, `sourceStride` apart in the chunk and adjacent in
/// the output; runs are as long as the selection allows (whole rows, whole chunks).
struct ReadPlan {
    /// One chunk's share of the selection. Its runs are generated on demand: a chunk of
    /// 30000 x 64 elements read into a 384-column output is 30000 runs, and a full read of a
    /// recording has hundreds of such chunks.
    struct ChunkTask: Sendable {
        let coordinates: [UInt64]
        let pieces: [Piece]
        let shape: RunShape

        /// The number of runs.
        var runCount: UInt64 { shape.runCount(pieces) }

        /// Calls `body` with every run, in source order.
        func forEachRun(_ body: (Run) throws -> Void) rethrows {
            try shape.forEachRun(pieces, body)
        }

        /// Calls `body` with every group of runs, in source order.
        func forEachRunGroup(_ body: (RunGroup) throws -> Void) rethrows {
            try shape.forEachRunGroup(pieces, body)
        }
    }

    /// What every chunk's runs share: strides, steps and how many inner dimensions fold into
    /// one run.
    struct RunShape: Sendable {
        let steps: [UInt64]
        let chunkStrides: [UInt64]
        let outputStrides: [UInt64]
        let chunkShape: [UInt64]
        let counts: [UInt64]

        /// Inner dimensions folded into one run: while both the chunk's elements and the
        /// output's are contiguous across them.
        func folded(_ pieces: [Piece]) -> (axes: Int, length: UInt64) {
            let rank = pieces.count
            var length = pieces[rank - 1].count
            var folded = 1
            func isDense(_ axis: Int) -> Bool {
                pieces[axis].inChunkStart == 0 && pieces[axis].count == chunkShape[axis]
                    && pieces[axis].count == counts[axis] && steps[axis] == 1
            }
            var innerIsDense = isDense(rank - 1)
            while innerIsDense, folded < rank, steps[rank - 1 - folded] == 1 {
                let axis = rank - 1 - folded
                length *= pieces[axis].count
                folded += 1
                innerIsDense = isDense(axis)
            }
            return (folded, length)
        }

        func runCount(_ pieces: [Piece]) -> UInt64 {
            let outerAxes = pieces.count - folded(pieces).axes
            return pieces[..<outerAxes].reduce(1) { $0 * $1.count }
        }

        func forEachRun(_ pieces: [Piece], _ body: (Run) throws -> Void) rethrows {
            try forEachRunGroup(pieces) { group in
                for index in 0..<group.repeats { try body(group.run(index)) }
            }
        }

        /// The runs as groups: the runs along the innermost dimension not folded into a run
        /// (a chunk's rows) are one group, so copying loops over them without a call per run.
        func forEachRunGroup(_ pieces: [Piece], _ body: (RunGroup) throws -> Void) rethrows {
            let rank = pieces.count
            let (folded, runLength) = folded(pieces)
            let outerAxes = rank - folded
            let sourceStride = folded > 1 ? 1 : steps[rank - 1]
            // The groups' axis: the last outer one; the others are iterated here.
            let groupAxis = outerAxes - 1
            let (repeats, sourceStep, outputStep) =
                groupAxis >= 0
                ? (pieces[groupAxis].count, steps[groupAxis] * chunkStrides[groupAxis], outputStrides[groupAxis])
                : (1, 0, 0)
            var index = [UInt64](repeating: 0, count: max(groupAxis, 0))
            outer: while true {
                var source: UInt64 = 0
                var output: UInt64 = 0
                for axis in 0..<rank {
                    let position = axis < groupAxis ? index[axis] : 0
                    source += (pieces[axis].inChunkStart + position * steps[axis]) * chunkStrides[axis]
                    output += (pieces[axis].outputStart + position) * outputStrides[axis]
                }
                let first = Run(sourceElement: source, outputElement: output, count: runLength, sourceStride: sourceStride)
                try body(RunGroup(first: first, repeats: repeats, sourceStep: sourceStep, outputStep: outputStep))
                var axis = groupAxis - 1
                while axis >= 0 {
                    index[axis] += 1
                    if index[axis] < pieces[axis].count { continue outer }
                    index[axis] = 0
                    axis -= 1
                }
                return
            }
        }
    }

    /// `repeats` runs like `first`, each `sourceStep` elements further in the chunk and
    /// `outputStep` further in the output than the one before.
    struct RunGroup: Sendable {
        let first: Run
        let repeats: UInt64
        let sourceStep: UInt64
        let outputStep: UInt64

        func run(_ index: UInt64) -> Run {
            Run(
                sourceElement: first.sourceElement + index * sourceStep, outputElement: first.outputElement + index * outputStep,
                count: first.count, sourceStride: first.sourceStride)
        }

        /// The element after the last one read, relative to the chunk.
        var sourceEnd: UInt64 { run(repeats - 1).sourceEnd }
    }

    /// Elements `sourceElement`, `sourceElement + sourceStride`, ... of a chunk, to output
    /// elements `outputElement`, `outputElement + 1`, ...
    struct Run: Sendable {
        let sourceElement: UInt64
        let outputElement: UInt64
        let count: UInt64
        let sourceStride: UInt64

        /// The element after the last one read, relative to the chunk.
        var sourceEnd: UInt64 { sourceElement + (count - 1) * sourceStride + 1 }
    }

    /// A dimension's share of one chunk: the selected positions in chunk `chunk`.
    struct Piece: Sendable {
        let chunk: UInt64
        let outputStart: UInt64
        let count: UInt64
        let inChunkStart: UInt64
    }

    let tasks: [ChunkTask]
    /// Elements selected in each dimension.
    let counts: [UInt64]

    init(layout: ArrayLayout, selection: [ResolvedDimension]) throws {
        counts = selection.map(\.count)
        guard !counts.contains(0) else {
            tasks = []
            return
        }
        let pieces = zip(selection, layout.chunkShape).map { Self.pieces(of: $0, chunkExtent: $1) }
        let rank = selection.count
        let shape = RunShape(
            steps: selection.map(\.step), chunkStrides: Self.strides(layout.chunkShape),
            outputStrides: Self.strides(counts), chunkShape: layout.chunkShape, counts: counts)
        var tasks: [ChunkTask] = []
        var choice = [Int](repeating: 0, count: rank)
        // Every combination of one piece per dimension is one chunk.
        outer: while true {
            let chosen = (0..<rank).map { pieces[$0][choice[$0]] }
            tasks.append(ChunkTask(coordinates: chosen.map(\.chunk), pieces: chosen, shape: shape))
            var axis = rank - 1
            while axis >= 0 {
                choice[axis] += 1
                if choice[axis] < pieces[axis].count { continue outer }
                choice[axis] = 0
                axis -= 1
            }
            break
        }
        self.tasks = tasks
    }

    /// Row-major strides, in elements, of an array of `shape`.
    static func strides(_ shape: [UInt64]) -> [UInt64] {
        var strides = [UInt64](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) {
            strides[axis] = strides[axis + 1] * shape[axis + 1]
        }
        return strides
    }

    /// The chunks one dimension's selection passes through, and which positions in each.
    static func pieces(of dimension: ResolvedDimension, chunkExtent: UInt64) -> [Piece] {
        var pieces: [Piece] = []
        var chunk = dimension.start / chunkExtent
        let lastChunk = dimension.last / chunkExtent
        while chunk <= lastChunk {
            let chunkStart = chunk * chunkExtent
            // The first selected position at or after the chunk's start.
            let first = chunkStart <= dimension.start ? 0 : (chunkStart - dimension.start + dimension.step - 1) / dimension.step
            let chunkEnd = chunkStart + chunkExtent - 1
            let last = min(dimension.count - 1, (chunkEnd - dimension.start) / dimension.step)
            if first <= last {
                pieces.append(
                    Piece(
                        chunk: chunk, outputStart: first, count: last - first + 1,
                        inChunkStart: dimension.start + first * dimension.step - chunkStart))
                chunk += 1
            } else {
                // A step longer than a chunk skips chunks: go to the next selected position's.
                guard first < dimension.count else { break }
                chunk = (dimension.start + first * dimension.step) / chunkExtent
            }
        }
        return pieces
    }
}
