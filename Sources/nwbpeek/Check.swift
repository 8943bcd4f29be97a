import ArgumentParser
import HDF5

/// `nwbpeek check`: decodes everything a file stores and reports what cannot be read.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode every object, attribute and stored chunk of a file, verifying checksums.",
        discussion: """
            Walks the whole tree, decodes every attribute and reads every allocated chunk (or \
            contiguous run) of every dataset through its filters. Prints one line per problem \
            and a summary; exits with status 1 when anything could not be read.
            """)

    @OptionGroup var source: SourceOptions

    func run() async throws {
        let problems = try await source.reporting(commandArgument: nil) { file in try await check(file) }
        if problems > 0 { throw ExitCode(1) }
    }

    /// Checks the file; returns the number of problems reported.
    private func check(_ file: HDF5File) async throws -> Int {
        let entries = try await file.walk(from: "/", recursive: true)
        let paths = try await file.referencedPaths(in: entries)
        var problems = 0
        var datasets = 0
        var total = DataCheck()
        func report(_ path: String, _ error: any Error) {
            problems += 1
            printError("\(path): \(error)")
        }
        for entry in entries {
            do {
                _ = try entry.json(paths: paths)
            } catch {
                report(entry.path, error)
                continue
            }
            guard case .object(let object) = entry.target, object.kind == .dataset else { continue }
            datasets += 1
            do {
                let check = try await file.checkData(of: object)
                total.pieces += check.pieces
                total.bytes += check.bytes
                if let skipped = check.skipped { printError("\(entry.path): not checked: \(skipped)") }
            } catch {
                report(entry.path, error)
            }
        }
        let verdict = problems == 0 ? "no problems" : "\(problems) problem\(problems == 1 ? "" : "s")"
        print(
            "\(entries.count) objects, \(datasets) datasets, \(total.pieces) stored pieces (\(total.bytes) bytes decoded), "
                + "\(file.budget.structuresRead) metadata structures read (\(file.budget.bytesRead) bytes): \(verdict)")
        return problems
    }
}
