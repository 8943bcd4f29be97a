import FuzzTargets

/// The harness for `FuzzTargets.codec`. Built with `-sanitize=fuzzer -DFUZZING` (`make fuzz`), it
/// hands control to libFuzzer's driver; built normally, it replays the inputs it is given.
@main struct FuzzCodecs {
    static func main() throws {
        #if FUZZING
        exit(runFuzzer(FuzzTargets.codec))
        #else
        try FuzzTargets.replay(Array(CommandLine.arguments.dropFirst()), target: FuzzTargets.codec)
        #endif
    }
}
