import ByteKit
import CCurl

/// libcurl, loaded (dlopen) and initialised when the first HTTP source opens, once per process:
/// commands on local files never load it, nor the TLS, LDAP and Kerberos libraries it needs.
/// Its functions are called through the wrappers of `CCurl/shim.h`, given their addresses here.
struct CurlLibrary: @unchecked Sendable {
    /// Addresses of code in a library that stays loaded for the process's life.
    let functions: nwbpeek_curl_functions

    /// The library, or why it could not be loaded.
    static let shared: Result<CurlLibrary, HTTPSourceError> = load()

    /// The sonames tried, Debian's (libcurl4-openssl-dev's runtime) first.
    static let names = ["libcurl.so.4", "libcurl.so"]

    private static func load() -> Result<CurlLibrary, HTTPSourceError> {
        let loaded = RuntimeLibrary.load(
            names, into: nwbpeek_curl_functions(),
            symbols: [
                ("curl_global_init", \.global_init), ("curl_easy_init", \.easy_init), ("curl_easy_cleanup", \.easy_cleanup),
                ("curl_easy_strerror", \.easy_strerror), ("curl_easy_setopt", \.easy_setopt),
                ("curl_easy_getinfo", \.easy_getinfo), ("curl_multi_init", \.multi_init),
                ("curl_multi_cleanup", \.multi_cleanup), ("curl_multi_add_handle", \.multi_add_handle),
                ("curl_multi_remove_handle", \.multi_remove_handle), ("curl_multi_perform", \.multi_perform),
                ("curl_multi_poll", \.multi_poll), ("curl_multi_wakeup", \.multi_wakeup),
                ("curl_multi_info_read", \.multi_info_read), ("curl_multi_setopt", \.multi_setopt),
                ("curl_slist_append", \.slist_append), ("curl_slist_free_all", \.slist_free_all),
            ])
        let functions: nwbpeek_curl_functions
        switch loaded {
        case .success(let found): functions = found.functions
        // curl_multi_poll and curl_multi_wakeup came with libcurl 7.66 and 7.68.
        case .failure(.missingSymbol(let name)):
            return .failure(.transportUnavailable(reason: "the libcurl found has no \(name) (7.68 or later is needed)"))
        case .failure(let failure):
            return .failure(.transportUnavailable(reason: failure.describing("libcurl")))
        }
        guard nwbpeek_curl_global_init(functions.global_init, Int(CURL_GLOBAL_ALL)) == CURLE_OK else {
            return .failure(.transportUnavailable(reason: "libcurl could not be initialised"))
        }
        return .success(CurlLibrary(functions: functions))
    }
}
