import FuzzTargets

/// The harness for `FuzzTargets.remote`. Built with `-sanitize=fuzzer -DFUZZING` (`make fuzz`), it
/// hands control to libFuzzer's driver; built normally, it replays the inputs it is given.
@main struct FuzzRemote {
    static func main() throws {
        #if FUZZING
        exit(runFuzzer(FuzzTargets.remote))
        #else
        try FuzzTargets.replay(Array(CommandLine.arguments.dropFirst()), target: FuzzTargets.remote)
        #endif
    }
}
