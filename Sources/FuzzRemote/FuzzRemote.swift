import FuzzTargets

/// The libFuzzer harness for `FuzzTargets.remote` (see `FuzzTargets.main`).
@main struct FuzzRemote {
    static func main() throws { try FuzzTargets.main(FuzzTargets.remote) }
}
