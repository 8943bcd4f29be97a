import FuzzTargets

/// The libFuzzer harness for `FuzzTargets.codec` (see `FuzzTargets.main`).
@main struct FuzzCodecs {
    static func main() throws { try FuzzTargets.main(FuzzTargets.codec) }
}
