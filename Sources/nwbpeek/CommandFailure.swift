/// An error to show a person, prefixed with the source it concerns.
struct CommandFailure: Error, CustomStringConvertible {
    let source: String
    let underlying: any Error

    var description: String { "\(source): \(underlying)" }
}

extension SourceOptions {
    /// Runs `body`, naming the source in any error it throws.
    func reporting<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw CommandFailure(source: name, underlying: error)
        }
    }
}
