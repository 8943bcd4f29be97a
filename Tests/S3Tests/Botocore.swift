import Foundation
import Testing
import TestSupport

/// python3 with botocore, run as a child process.
enum Botocore {
    static let isAvailable: Bool =
        (try? runPython(
            "import importlib.util, sys; sys.exit(importlib.util.find_spec('botocore') is None)", input: Data()
        ).status) == 0

    /// Reads a JSON list of requests on standard input and writes the Authorization header botocore gives each.
    static let signatureScript = """
        import datetime, json, sys
        import botocore.auth
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        results = []
        for case in json.load(sys.stdin):
            botocore.auth.get_current_datetime = lambda: datetime.datetime.fromtimestamp(
                case["time"], datetime.timezone.utc).replace(tzinfo=None)
            request = AWSRequest(method=case["method"], url=case["url"], headers=dict(case["headers"]))
            credentials = Credentials(case["access_key_id"], case["secret_access_key"], case.get("token"))
            S3SigV4Auth(credentials, "s3", case["region"]).add_auth(request)
            results.append(request.headers["Authorization"])
        json.dump(results, sys.stdout)
        """

    /// Runs `script` with `inputs` as JSON on standard input; returns the JSON list of strings it writes, one per input.
    static func outputs(of script: String, for inputs: [some Encodable]) throws -> [String] {
        let (status, output) = try runPython(script, input: try JSONEncoder().encode(inputs))
        try #require(status == 0, "python3 failed; its error is above")
        let outputs = try JSONDecoder().decode([String].self, from: output)
        try #require(outputs.count == inputs.count)
        return outputs
    }

    /// A random S3 key of 1 to 30 characters, with the characters URI encoding treats specially.
    static func randomKey(using generator: inout SplitMix64) -> String {
        let alphabet = Array("abcXYZ019/-_.~ !$&'()*+,;=:@%?#[]{}^`|\"<>\\é中🙂")
        return String(
            (0..<Int.random(in: 1...30, using: &generator)).map { _ in
                alphabet.randomElement(using: &generator) ?? "k"
            })
    }

    static func runPython(_ code: String, input: Data) throws -> (status: Int32, output: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", code]
        let standardInput = Pipe()
        let standardOutput = Pipe()
        process.standardInput = standardInput
        process.standardOutput = standardOutput
        try process.run()
        standardInput.fileHandleForWriting.write(input)
        try standardInput.fileHandleForWriting.close()
        let output = standardOutput.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}
