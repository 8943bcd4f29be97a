import FuzzTargets

/// The harness for `FuzzTargets.file`. Built with `-sanitize=fuzzer -DFUZZING` (`make fuzz`), it
/// hands control to libFuzzer's driver; built normally, it replays the inputs it is given.
@main struct FuzzFile {
    static func main() throws {
        #if FUZZING
        exit(runFuzzer(FuzzTargets.file))
        #else
        try FuzzTargets.replay(Array(CommandLine.arguments.dropFirst()), target: FuzzTargets.file)
        #endif
    }
}
