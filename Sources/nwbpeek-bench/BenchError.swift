/// Why a benchmark run stopped: every row must run and give the right answer, or the table is
/// not printed.
enum BenchError: Error, CustomStringConvertible {
    case commandFailed(command: [String], reason: String)
    case peerFailed(operation: String, reason: String)
    case wrongAnswer(row: String, reader: String)
    case missing(String)

    var description: String {
        switch self {
        case .commandFailed(let command, let reason):
            return "\(command.joined(separator: " ")) failed: \(reason)"
        case .peerFailed(let operation, let reason):
            return "the peer session's \(operation) failed: \(reason)"
        case .wrongAnswer(let row, let reader):
            return "\(reader) gave values that differ from h5py's in the row \"\(row)\""
        case .missing(let what):
            return "missing: \(what)"
        }
    }
}
