import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What one run of a command cost: wall time from spawn to exit, and the child's peak resident
/// memory as the kernel accounted it (`wait4`'s `ru_maxrss`).
///
/// Linux counts in a child's peak the peak of the memory it was spawned from (`posix_spawn`
/// shares the bench's memory until `exec`, and `exec` keeps the larger peak): the bench resets
/// its own peak to its current size before each spawn, so that a child's figure is its own
/// unless it is below `spawnerResidentMiB`, the bench's size then.
struct ProcessCost: Sendable {
    var seconds: Double
    var peakResidentMiB: Double
    var spawnerResidentMiB: Double
}

/// Runs commands as child processes and measures them, as a user's shell would run them.
enum ChildProcess {
    /// Runs `arguments` (the first found on PATH when it has no slash) with standard input from
    /// /dev/null and standard output into `output`; throws `BenchError.commandFailed` with the
    /// command's standard error when it exits other than 0.
    static func measure(_ arguments: [String], output: String = "/dev/null") throws -> ProcessCost {
        let errorFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("nwbpeek-bench-\(getpid())-stderr.txt").path
        defer { try? FileManager.default.removeItem(atPath: errorFile) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errorFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let spawnerResidentMiB = resetPeakResidentMemory()
        let clock = ContinuousClock()
        let started = clock.now
        var child: pid_t = 0
        let spawned = posix_spawnp(&child, arguments[0], &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw BenchError.commandFailed(command: arguments, reason: String(cString: strerror(spawned)))
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(child, &status, 0, &usage) < 0 {
            guard errno == EINTR else {
                throw BenchError.commandFailed(command: arguments, reason: "wait4: \(String(cString: strerror(errno)))")
            }
        }
        let elapsed = clock.now - started
        // A normal exit has no signal in the low 7 bits; its code is the next byte.
        let signal = status & 0x7f
        let code = (status >> 8) & 0xff
        guard signal == 0, code == 0 else {
            let message = (try? String(contentsOfFile: errorFile, encoding: .utf8)) ?? ""
            let reason = signal != 0 ? "killed by signal \(signal)" : "exit \(code)"
            throw BenchError.commandFailed(
                command: arguments, reason: "\(reason): \(message.prefix(800))")
        }
        // ru_maxrss is in KiB on Linux.
        return ProcessCost(
            seconds: elapsed.seconds,
            peakResidentMiB: Double(usage.ru_maxrss) / 1024, spawnerResidentMiB: spawnerResidentMiB)
    }

    /// Resets this process's peak resident memory to its current size (Linux's
    /// `/proc/self/clear_refs`, value 5) and returns that size in MiB.
    private static func resetPeakResidentMemory() -> Double {
        let descriptor = open("/proc/self/clear_refs", O_WRONLY)
        if descriptor >= 0 {
            _ = write(descriptor, "5", 1)
            close(descriptor)
        }
        // The second field of statm: resident pages.
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
            let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }

    /// The first line a command prints (for versions), or nil when it cannot run.
    static func firstLine(of arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init)
    }
}
