import ByteSources
import HDF5

#if canImport(Glibc)
import Glibc
#endif

/// An error to show a person, prefixed with the source it concerns.
struct CommandFailure: Error, CustomStringConvertible {
    let source: String
    let underlying: any Error

    var description: String { "\(source): \(underlying)" }
}

extension SourceOptions {
    /// Opens the source and runs `body` on it, naming the source in any error it throws; with
    /// `--stats`, prints what reading cost to standard error, failed or not.
    func reporting<T>(_ body: (HDF5File) async throws -> T) async throws -> T {
        let clock = ContinuousClock()
        let start = clock.now
        var byteSource: (any ByteSource)?
        do {
            let opened = try await openSource()
            byteSource = opened
            let result = try await body(try await HDF5File(source: opened))
            printStatistics(of: opened, elapsed: clock.now - start)
            return result
        } catch {
            printStatistics(of: byteSource, elapsed: clock.now - start)
            throw CommandFailure(source: source, underlying: error)
        }
    }

    private func printStatistics(of byteSource: (any ByteSource)?, elapsed: Duration) {
        guard stats else { return }
        let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        let fraction = String(milliseconds % 1000)
        let wall = "wall time \(milliseconds / 1000).\(String(repeating: "0", count: 3 - fraction.count) + fraction) s"
        let line: String
        switch byteSource {
        case let remote as HTTPSource:
            line = "stats: \(wall), \(remote.statistics)"
        case nil:
            line = "stats: \(wall), the source did not open"
        default:
            line = "stats: \(wall), local file (no requests)"
        }
        var output = Array((line + "\n").utf8)
        _ = output.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
