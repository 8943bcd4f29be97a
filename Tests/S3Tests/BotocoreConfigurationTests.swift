import Foundation
import Testing
import TestSupport

@testable import S3

/// Credential and region resolution against botocore's (the AWS CLI's) on random environments and configuration
/// files: which credentials win, which region, and which mistakes are errors. Skipped without botocore.
@Suite(.enabled(if: Botocore.isAvailable, "python3 with botocore is not available"))
struct BotocoreConfigurationTests {
    static let seed: UInt64 = 0xC0F1_6000

    /// Reads a JSON list of scenarios, resolves each in a fresh botocore session with only the scenario's environment
    /// (and its files), and writes one outcome string per scenario.
    static let script = """
        import json, os, sys, tempfile
        import botocore.session, botocore.exceptions
        directory = tempfile.mkdtemp()
        outcomes = []
        for index, scenario in enumerate(json.load(sys.stdin)):
            environment = dict(scenario["environment"], AWS_EC2_METADATA_DISABLED="true")
            for name, variable in (("credentials", "AWS_SHARED_CREDENTIALS_FILE"), ("config", "AWS_CONFIG_FILE")):
                path = os.path.join(directory, f"{index}-{name}")
                if scenario.get(name) is not None:
                    with open(path, "w") as file:
                        file.write(scenario[name])
                environment[variable] = path
            os.environ.clear()
            os.environ.update(environment)
            try:
                session = botocore.session.Session()
                credentials = session.get_credentials()
                if credentials is None:
                    outcomes.append("no credentials")
                else:
                    region = session.get_config_variable("region") or "us-east-1"
                    outcomes.append(
                        f"{credentials.access_key} {credentials.secret_key} {credentials.token} in {region}")
            except botocore.exceptions.BotoCoreError as error:
                outcomes.append(type(error).__name__)
        json.dump(outcomes, sys.stdout)
        """

    struct Scenario: Encodable {
        let environment: [String: String]
        let credentials: String?
        let config: String?
    }

    /// One profile section with a random choice of settings, random spacing, key case and comments.
    static func section(
        header: String, profile: String, isConfigFile: Bool, using generator: inout SplitMix64
    ) -> String {
        var lines = ["[\(header)]"]
        let settings = [
            ("aws_access_key_id", "\(isConfigFile ? "CONF" : "CRED")-\(profile)-ID"),
            ("aws_secret_access_key", "\(isConfigFile ? "conf" : "cred")-\(profile)-secret"),
            ("aws_session_token", "\(profile)-token"),
            ("region", "\(isConfigFile ? "conf" : "cred")-\(profile)-region"),
        ]
        for (key, value) in settings where Int.random(in: 0..<3, using: &generator) > 0 {
            let name = Bool.random(using: &generator) ? key : key.uppercased()
            let equals = ["=", " = ", "  =\t"][Int.random(in: 0..<3, using: &generator)]
            lines.append("\(name)\(equals)\(value)")
            if Int.random(in: 0..<4, using: &generator) == 0 {
                lines.append(["# note", "; note", ""][Int.random(in: 0..<3, using: &generator)])
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func randomScenario(using generator: inout SplitMix64) -> Scenario {
        var environment: [String: String] = [:]
        let profile = [nil, "default", "work", "absent"][Int.random(in: 0..<4, using: &generator)]
        environment["AWS_PROFILE"] = profile
        if Int.random(in: 0..<3, using: &generator) == 0 { environment["AWS_ACCESS_KEY_ID"] = "ENV-ID" }
        if Int.random(in: 0..<3, using: &generator) == 0 { environment["AWS_SECRET_ACCESS_KEY"] = "env-secret" }
        if Int.random(in: 0..<3, using: &generator) == 0 { environment["AWS_SESSION_TOKEN"] = "env-token" }
        if Int.random(in: 0..<3, using: &generator) == 0 { environment["AWS_DEFAULT_REGION"] = "env-region" }
        var credentials: String?
        var config: String?
        for name in ["default", "work"] {
            if Bool.random(using: &generator) {
                credentials =
                    (credentials ?? "")
                    + section(header: name, profile: name, isConfigFile: false, using: &generator)
            }
            if Bool.random(using: &generator) {
                let header = name == "default" && Bool.random(using: &generator) ? "default" : "profile \(name)"
                config = (config ?? "") + section(header: header, profile: name, isConfigFile: true, using: &generator)
            }
        }
        return Scenario(environment: environment, credentials: credentials, config: config)
    }

    /// Our outcome in the script's words.
    static func outcome(of scenario: Scenario) -> String {
        do {
            let configuration = try S3Configuration.resolve(
                endpoint: nil, anonymous: false, addressingStyle: nil, environment: scenario.environment,
                credentialsFile: try scenario.credentials.map {
                    try AWSConfigurationFile(parsing: $0, path: "credentials")
                },
                configFile: try scenario.config.map { try AWSConfigurationFile(parsing: $0, path: "config") })
            let credentials = configuration.credentials
            return "\(credentials?.accessKeyID ?? "") \(credentials?.secretAccessKey ?? "") "
                + "\(credentials?.sessionToken ?? "None") in \(configuration.region)"
        } catch S3Error.missingCredentials {
            return "no credentials"
        } catch S3Error.profileNotFound {
            return "ProfileNotFound"
        } catch S3Error.incompleteCredentials {
            return "PartialCredentialsError"
        } catch {
            return "\(error)"
        }
    }

    @Test func credentialsAndRegionMatchBotocoreOnRandomConfigurations() throws {
        print("BotocoreConfigurationTests seed \(Self.seed)")
        var generator = SplitMix64(seed: Self.seed)
        let scenarios = (0..<150).map { _ in Self.randomScenario(using: &generator) }
        let botocore = try Botocore.outputs(of: Self.script, for: scenarios)
        for (scenario, theirs) in zip(scenarios, botocore) {
            #expect(
                Self.outcome(of: scenario) == theirs,
                "environment \(scenario.environment)\ncredentials:\n\(scenario.credentials ?? "none")\nconfig:\n\(scenario.config ?? "none")"
            )
        }
    }
}
