import ArrayEngine
import HDF5
import HDF5Format

/// Finds a time in a `TimeSeries`' sorted `timestamps` without reading them all.
///
/// A binary search would read one value per probe and pay one round trip per probe (some 27
/// for 10^8 timestamps). This search reads `probesPerRound` evenly spaced timestamps in one
/// strided read per round, narrowing the candidates by that factor each time, then reads the
/// last `finalRunLength` or fewer candidates whole: four rounds for 10^8 timestamps.
struct TimestampSearch {
    /// Probes read at once (one strided selection).
    static let probesPerRound: UInt64 = 64
    /// Candidates few enough to read whole.
    static let finalRunLength: UInt64 = 4096

    let file: HDF5File
    let dataset: HDF5Object
    let path: String
    let count: UInt64

    /// The index of the first timestamp at or after `time`, `count` when there is none.
    /// Timestamps must be non-decreasing; NaN compares as later than any time.
    func firstIndex(atOrAfter time: Double) async throws -> UInt64 {
        // The answer is in low...high: timestamps before `low` are < time, from `high` on >= time.
        var low: UInt64 = 0
        var high = count
        // Each round divides the candidates by about `probesPerRound`; 64 rounds cover any count.
        for _ in 0..<64 where high - low > Self.finalRunLength {
            let stride = (high - low + Self.probesPerRound - 1) / Self.probesPerRound
            let probes = try await read(from: low, to: high, step: stride)
            // The first probe at or after `time`.
            guard let hit = probes.firstIndex(where: { !($0 < time) }) else {
                low += UInt64(probes.count - 1) * stride + 1
                continue
            }
            if hit == 0 {
                high = low
                break
            }
            let candidatesStart = low + UInt64(hit - 1) * stride + 1
            high = low + UInt64(hit) * stride
            low = candidatesStart
        }
        guard high > low else { return low }
        let run = try await read(from: low, to: high, step: 1)
        guard let hit = run.firstIndex(where: { !($0 < time) }) else { return high }
        return low + UInt64(hit)
    }

    private func read(from start: UInt64, to stop: UInt64, step: UInt64) async throws -> [Double] {
        let selection = Selection([.slice(start: Int64(start), stop: Int64(stop), step: Int64(step))])
        return try await file.doubles(of: try await file.read(dataset, selection: selection), path: path)
    }
}
