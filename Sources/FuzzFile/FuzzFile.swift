import FuzzTargets

/// The libFuzzer harness for `FuzzTargets.file` (see `FuzzTargets.main`).
@main struct FuzzFile {
    static func main() throws { try FuzzTargets.main(FuzzTargets.file) }
}
