#if canImport(Glibc)
import Glibc
#endif

/// A progress bar on standard error for work that takes over a second. Nothing is written when
/// standard error is not a terminal (a pipe or a file gets no escape codes), nor for work done
/// within the second.
actor ProgressLine {
    /// How long work runs before the line appears.
    static let delay: Duration = .seconds(1)

    private let label: String
    private var fraction: Double?
    private var drawn = false
    private var finished = false
    private var frame = 0
    private let started = ContinuousClock.now

    private init(label: String) { self.label = label }

    /// Runs `body`, showing a progress line labelled `label` if it takes over a second. `body`
    /// may report the fraction done; without it the bar moves to and fro.
    static func run<T: Sendable>(
        _ label: String, _ body: @Sendable (ProgressLine) async throws -> T
    ) async throws -> T {
        let line = ProgressLine(label: label)
        guard Terminal.standardErrorIsTerminal else { return try await body(line) }
        let ticker = Task {
            try? await Task.sleep(for: delay)
            while !Task.isCancelled {
                await line.draw()
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        defer { ticker.cancel() }
        do {
            let result = try await body(line)
            await line.finish()
            return result
        } catch {
            await line.finish()
            throw error
        }
    }

    /// Records the fraction of the work done (0...1).
    func update(fraction: Double) { self.fraction = min(max(fraction, 0), 1) }

    private func draw() {
        guard !finished else { return }
        let width = 30
        var bar = [Character](repeating: " ", count: width)
        if let fraction {
            for cell in 0..<Int(fraction * Double(width)) { bar[cell] = "█" }
        } else {
            // No fraction known: a block bouncing along the bar.
            let position = frame % (2 * (width - 4))
            let start = position < width - 4 ? position : 2 * (width - 4) - position
            for cell in start..<(start + 4) { bar[cell] = "█" }
        }
        frame += 1
        let elapsed = started.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let percent = fraction.map { " \(Int($0 * 100))%" } ?? ""
        let seconds10 = (seconds * 10).rounded() / 10
        Terminal.writeToStandardError("\r\u{1B}[K[\(String(bar))]\(percent) \(label) \(seconds10) s")
        drawn = true
    }

    private func finish() {
        finished = true
        if drawn { Terminal.writeToStandardError("\r\u{1B}[K") }
    }
}
