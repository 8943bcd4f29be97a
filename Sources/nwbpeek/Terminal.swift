#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the command may write to the terminal: colour only when standard output is a terminal
/// and `NO_COLOR` is not set (no-color.org); progress only when standard error is a terminal.
enum Terminal {
    static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// True when escape codes for colour may be written to standard output.
    static var usesColour: Bool {
        guard standardOutputIsTerminal else { return false }
        // NO_COLOR set to anything but the empty string turns colour off.
        if let value = getenv("NO_COLOR"), value.pointee != 0 { return false }
        return getenv("TERM").map { String(cString: $0) != "dumb" } ?? true
    }

    /// `text` in bold, when colour is on.
    static func bold(_ text: String) -> String { styled(text, code: "1") }
    /// `text` dimmed, when colour is on.
    static func dim(_ text: String) -> String { styled(text, code: "2") }
    /// `text` in cyan, when colour is on.
    static func cyan(_ text: String) -> String { styled(text, code: "36") }

    private static func styled(_ text: String, code: String) -> String {
        usesColour ? "\u{1B}[\(code)m" + text + "\u{1B}[0m" : text
    }

    /// Writes `text` to standard error as it is, unbuffered.
    static func writeToStandardError(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let written = write(STDERR_FILENO, base + offset, buffer.count - offset)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }
}
