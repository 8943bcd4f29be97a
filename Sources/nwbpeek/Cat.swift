import ArgumentParser
import ArrayEngine
import ByteKit
import HDF5
import HDF5Format

#if canImport(Glibc)
import Glibc
#endif

/// `nwbpeek cat`: a dataset's values, or a slice of them.
struct Cat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat",
        abstract: "Print or save the values of a dataset.",
        discussion: """
            SPEC follows NumPy: `0:30000,::2`, `5`, `-100:`. Formats: npy (NumPy's .npy), json \
            (nested lists, values as in `ls --json`), csv (up to two dimensions), raw (the bytes \
            as stored). Without --format, a terminal gets a short preview and a pipe gets json.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case npy, json, csv, raw
    }

    @OptionGroup var source: SourceOptions

    @Argument(help: "The dataset's path.")
    var dataset: String?

    @Option(name: .long, help: "The elements to read, NumPy style.")
    var slice: String = ""

    @Option(name: .long, help: "Output format: npy, json, csv or raw.")
    var format: Format?

    @Option(name: [.customShort("o"), .long], help: "Write to this file instead of standard output.")
    var output: String?

    func validate() throws {
        guard source.commandArgument(dataset) != nil else { throw ValidationError("Missing expected argument '<dataset>'") }
        do {
            _ = try Selection.parse(slice)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() async throws {
        try await source.reporting { try await cat() }
    }

    private func cat() async throws {
        let file = try await source.open(commandArgument: dataset)
        let (object, path) = try await file.resolve(source.commandArgument(dataset) ?? "/")
        let slice = try await file.read(object, selection: try Selection.parse(self.slice))
        let chosen = format ?? (output == nil && isatty(STDOUT_FILENO) == 1 ? nil : .json)
        let encoder = ValueEncoder(file: file, slice: slice)
        // Large outputs (raw, npy) are written from the read buffer itself, never copied.
        let parts: [Bytes]
        switch chosen {
        case nil:
            parts = [Bytes(Array(try await encoder.preview(path: path).utf8))]
        case .json:
            parts = [Bytes(Array((try await encoder.json() + "\n").utf8))]
        case .csv:
            parts = [Bytes(Array(try await encoder.csv().utf8))]
        case .npy:
            parts = [Bytes(try encoder.npyHeader()), slice.bytes]
        case .raw:
            parts = [slice.bytes]
        }
        try write(parts)
    }

    private func write(_ parts: [Bytes]) throws {
        guard let output else {
            for part in parts { try writeAll(part, to: STDOUT_FILENO, name: "standard output") }
            return
        }
        let descriptor = open(output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw CatFailure(message: "cannot open \(output) for writing: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        for part in parts { try writeAll(part, to: descriptor, name: output) }
    }

    private func writeAll(_ bytes: Bytes, to descriptor: Int32, name: String) throws {
        try bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, base + offset, buffer.count - offset)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else {
                    throw CatFailure(message: "writing \(name) failed: \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
    }
}

struct CatFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
