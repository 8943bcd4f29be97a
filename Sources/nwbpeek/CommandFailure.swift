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
    /// Runs `body`, naming the source in any error it throws. A path that leads nowhere is
    /// reported with the closest existing paths.
    func reporting<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch HDF5Error.notFound(let path) {
            let paths = (try? await open().pathIndex().values).map(Array.init) ?? []
            throw CommandFailure(
                source: source,
                underlying: NWBError.notFound(path: path, suggestions: PathSuggestions.closest(to: path, among: paths)))
        } catch {
            throw CommandFailure(source: source, underlying: error)
        }
    }
}
