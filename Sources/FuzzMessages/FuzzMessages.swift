import FuzzTargets

/// The libFuzzer harness for `FuzzTargets.message` (see `FuzzTargets.main`).
@main struct FuzzMessages {
    static func main() throws { try FuzzTargets.main(FuzzTargets.message) }
}
