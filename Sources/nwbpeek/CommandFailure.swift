import ByteSources
import HDF5
import HDF5Format
import NWB

/// An error to show a person, prefixed with the source it concerns.
struct CommandFailure: Error, CustomStringConvertible {
    let source: String
    let underlying: any Error

    var description: String { "\(source): \(underlying)" }
}

extension SourceOptions {
    /// Opens the source (see `open(commandArgument:)`) and runs `body` on it, naming the source
    /// in any error it throws; a path that leads nowhere is reported with the closest existing
    /// paths. With `--stats`, prints what reading cost to standard error, failed or not.
    func reporting<T>(commandArgument: String?, _ body: (HDF5File) async throws -> T) async throws -> T {
        let clock = ContinuousClock()
        let start = clock.now
        var file: HDF5File?
        do {
            let opened = try await open(commandArgument: commandArgument)
            file = opened
            let result = try await body(opened)
            remote.printStatistics(of: opened.source, elapsed: clock.now - start)
            return result
        } catch HDF5Error.notFound(let path) {
            let paths = await (try? file?.pathIndex().values).map(Array.init) ?? []
            remote.printStatistics(of: file?.source, elapsed: clock.now - start)
            throw CommandFailure(
                source: name,
                underlying: NWBError.notFound(path: path, suggestions: PathSuggestions.closest(to: path, among: paths)))
        } catch {
            remote.printStatistics(of: file?.source, elapsed: clock.now - start)
            throw CommandFailure(source: name, underlying: error)
        }
    }
}

extension RemoteOptions {
    /// With `--stats`, one line on standard error: wall time, and for a remote source its requests,
    /// bytes, round trips, cache hits and retries.
    func printStatistics(of byteSource: (any ByteSource)?, elapsed: Duration) {
        guard stats else { return }
        let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        let fraction = String(milliseconds % 1000)
        let wall = "wall time \(milliseconds / 1000).\(String(repeating: "0", count: 3 - fraction.count) + fraction) s"
        switch byteSource {
        case let remote as HTTPSource:
            printError("stats: \(wall), \(remote.statistics)")
        case nil:
            printError("stats: \(wall), the file did not open")
        default:
            printError("stats: \(wall), local file (no requests)")
        }
    }
}
