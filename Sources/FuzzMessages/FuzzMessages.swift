import FuzzTargets

/// The harness for `FuzzTargets.message`. Built with `-sanitize=fuzzer -DFUZZING` (`make fuzz`), it
/// hands control to libFuzzer's driver; built normally, it replays the inputs it is given.
@main struct FuzzMessages {
    static func main() throws {
        #if FUZZING
        exit(runFuzzer(FuzzTargets.message))
        #else
        try FuzzTargets.replay(Array(CommandLine.arguments.dropFirst()), target: FuzzTargets.message)
        #endif
    }
}
