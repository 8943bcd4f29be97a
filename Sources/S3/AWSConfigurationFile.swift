import Foundation

/// An AWS shared configuration file, `~/.aws/credentials` or `~/.aws/config`: INI sections of `key = value` settings.
///
/// AWS Command Line Interface User Guide, "Configuration and credential file settings". As in the AWS CLI: lines
/// starting with `#` or `;` are comments (a `#` inside a value is part of the value), keys are case-insensitive,
/// and an indented `key = value` under a key with an empty value is a nested setting, stored as `parent.key`:
///
/// ```
/// [profile data]
/// region = eu-west-1
/// s3 =
///   addressing_style = path
/// ```
///
/// gives the section `profile data` the settings `region` and `s3.addressing_style`.
public struct AWSConfigurationFile: Sendable, Equatable {
    /// Where the file was read from, for messages.
    public let path: String
    /// Settings by section name (as written between the brackets, trimmed) and lowercased key.
    public let sections: [String: [String: String]]

    /// Parses the text of a configuration file; `path` names it in errors.
    public init(parsing text: String, path: String) throws {
        self.path = path
        var sections: [String: [String: String]] = [:]
        var section: String?
        // The section's last key, which an indented line below it continues; it nests settings when its value is empty.
        var lastKey: (name: String, nests: Bool)?
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let lineNumber = index + 1
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") {
                continue
            }
            let malformed = { (reason: String) in
                S3Error.malformedConfiguration(file: path, line: lineNumber, reason: reason)
            }
            if line.hasPrefix("[") {
                guard let close = line.firstIndex(of: "]") else { throw malformed("a section header lacks ']'") }
                let rest = line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)
                guard rest.isEmpty || rest.hasPrefix("#") || rest.hasPrefix(";") else {
                    throw malformed("text after a section header")
                }
                let name = line[line.index(after: line.startIndex)..<close].trimmingCharacters(in: .whitespaces)
                guard !name.isEmpty else { throw malformed("a section header has no name") }
                section = name
                lastKey = nil
                if sections[name] == nil { sections[name] = [:] }
                continue
            }
            guard let section else { throw malformed("a setting comes before any [section]") }
            let isIndented = rawLine.first == " " || rawLine.first == "\t"
            if isIndented, let lastKey, !lastKey.nests {
                // A continuation line: the AWS CLI joins it to the value with a newline.
                sections[section, default: [:]][lastKey.name, default: ""] += "\n" + line
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { throw malformed("expected 'key = value'") }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else { throw malformed("a setting has no key") }
            if isIndented, let lastKey {
                sections[section, default: [:]]["\(lastKey.name).\(key)"] = value
            } else {
                sections[section, default: [:]][key] = value
                lastKey = (key, value.isEmpty)
            }
        }
        self.sections = sections
    }

    /// Reads and parses the file at `path`; nil when there is no file there.
    public static func load(path: String) throws -> AWSConfigurationFile? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw S3Error.cannotReadConfiguration(file: path, reason: error.localizedDescription)
        }
        return try AWSConfigurationFile(parsing: String(decoding: data, as: UTF8.self), path: path)
    }

    /// The settings of profile `name`. In the credentials file a profile's section is its name; in the config file
    /// it is `profile NAME`, except that the default profile may also be `[default]`.
    public func profile(_ name: String, isConfigFile: Bool) -> [String: String]? {
        guard isConfigFile else { return sections[name] }
        let prefixed = sections.first { sectionName, _ in
            sectionName.hasPrefix("profile ")
                && sectionName.dropFirst("profile ".count)
                    .trimmingCharacters(in: .whitespaces) == name
        }?.value
        if name == "default", let plain = sections["default"] {
            return plain.merging(prefixed ?? [:]) { _, prefixedValue in prefixedValue }
        }
        return prefixed
    }
}
