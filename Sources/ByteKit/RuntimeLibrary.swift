#if canImport(Glibc)
import Glibc
#endif

/// A system library that the product loads (dlopen) when a command first needs it, rather than
/// links, so that commands which never need it start without it and what it pulls in. A loaded
/// library stays for the process's life; its functions are called through C wrappers given the
/// addresses found here.
public enum RuntimeLibrary {
    /// Why a library cannot be used.
    public enum Failure: Error, Sendable {
        /// No name of the library loads; the dynamic loader's message.
        case notLoaded(reason: String)
        /// The library loaded has no such function (too old a version).
        case missingSymbol(String)

        /// The failure in a sentence about `library` ("libcurl").
        public func describing(_ library: String) -> String {
            switch self {
            case .notLoaded(let reason): "\(library) could not be loaded (\(reason))"
            case .missingSymbol(let name): "the \(library) found has no \(name)"
            }
        }
    }

    /// Addresses of functions in a library that stays loaded for the process's life.
    public struct Loaded<Functions>: @unchecked Sendable {
        public let functions: Functions
    }

    /// `functions` with the address of each symbol stored at its key path, from the first of
    /// `names` (sonames, in order of preference) that loads.
    public static func load<Functions>(
        _ names: [String], into functions: Functions, symbols: [(String, WritableKeyPath<Functions, UnsafeMutableRawPointer?>)]
    ) -> Result<Loaded<Functions>, Failure> {
        guard let handle = names.lazy.compactMap({ dlopen($0, RTLD_NOW | RTLD_LOCAL) }).first else {
            return .failure(.notLoaded(reason: dlerror().map { String(cString: $0) } ?? "not found"))
        }
        var functions = functions
        for (name, field) in symbols {
            guard let address = dlsym(handle, name) else { return .failure(.missingSymbol(name)) }
            functions[keyPath: field] = address
        }
        return .success(Loaded(functions: functions))
    }
}
