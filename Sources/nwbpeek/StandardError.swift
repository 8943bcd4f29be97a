/// Writes one line to standard error (diagnostics that must not mix with the data on stdout).
func printError(_ line: String) {
    Terminal.writeToStandardError(line + "\n")
}
