// libcurl is loaded when the first remote source opens (`CurlLibrary.swift`, dlopen), not
// linked: a local command starts without it and the TLS, LDAP and Kerberos libraries it pulls
// in (about 6 ms of a 16 ms start). Its functions are called through these wrappers, each given
// the function's address from dlsym; the casts take libcurl's own prototypes (`__typeof__` does
// not refer to the symbol). Swift cannot call C variadic functions: curl_easy_setopt,
// curl_easy_getinfo and curl_multi_setopt have a wrapper per argument type.

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

typedef size_t (*nwbpeek_curl_data_callback)(char *data, size_t size, size_t count, void *user);

/// The addresses of the libcurl functions nwbpeek calls.
typedef struct {
    void *global_init, *easy_init, *easy_cleanup, *easy_strerror, *easy_setopt, *easy_getinfo, *multi_init,
        *multi_cleanup, *multi_add_handle, *multi_remove_handle, *multi_perform, *multi_poll, *multi_wakeup,
        *multi_info_read, *multi_setopt, *slist_append, *slist_free_all;
} nwbpeek_curl_functions;

#define NWBPEEK_CURL(name, address) ((__typeof__(&name))(address))

static inline CURLcode nwbpeek_curl_global_init(void *f, long flags) {
    return NWBPEEK_CURL(curl_global_init, f)(flags);
}

static inline CURL *nwbpeek_curl_easy_init(void *f) { return NWBPEEK_CURL(curl_easy_init, f)(); }

static inline void nwbpeek_curl_easy_cleanup(void *f, CURL *handle) { NWBPEEK_CURL(curl_easy_cleanup, f)(handle); }

static inline const char *nwbpeek_curl_easy_strerror(void *f, CURLcode code) {
    return NWBPEEK_CURL(curl_easy_strerror, f)(code);
}

static inline CURLcode nwbpeek_curl_easy_setopt_long(void *f, CURL *handle, CURLoption option, long value) {
    return NWBPEEK_CURL(curl_easy_setopt, f)(handle, option, value);
}

static inline CURLcode nwbpeek_curl_easy_setopt_string(void *f, CURL *handle, CURLoption option, const char *value) {
    return NWBPEEK_CURL(curl_easy_setopt, f)(handle, option, value);
}

static inline CURLcode nwbpeek_curl_easy_setopt_pointer(void *f, CURL *handle, CURLoption option, void *value) {
    return NWBPEEK_CURL(curl_easy_setopt, f)(handle, option, value);
}

static inline CURLcode nwbpeek_curl_easy_setopt_callback(
    void *f, CURL *handle, CURLoption option, nwbpeek_curl_data_callback callback) {
    return NWBPEEK_CURL(curl_easy_setopt, f)(handle, option, callback);
}

static inline CURLcode nwbpeek_curl_easy_getinfo_offset(void *f, CURL *handle, CURLINFO info, curl_off_t *value) {
    return NWBPEEK_CURL(curl_easy_getinfo, f)(handle, info, value);
}

static inline CURLcode nwbpeek_curl_easy_getinfo_string(void *f, CURL *handle, CURLINFO info, const char **value) {
    return NWBPEEK_CURL(curl_easy_getinfo, f)(handle, info, value);
}

static inline CURLM *nwbpeek_curl_multi_init(void *f) { return NWBPEEK_CURL(curl_multi_init, f)(); }

static inline CURLMcode nwbpeek_curl_multi_cleanup(void *f, CURLM *multi) {
    return NWBPEEK_CURL(curl_multi_cleanup, f)(multi);
}

static inline CURLMcode nwbpeek_curl_multi_add_handle(void *f, CURLM *multi, CURL *handle) {
    return NWBPEEK_CURL(curl_multi_add_handle, f)(multi, handle);
}

static inline CURLMcode nwbpeek_curl_multi_remove_handle(void *f, CURLM *multi, CURL *handle) {
    return NWBPEEK_CURL(curl_multi_remove_handle, f)(multi, handle);
}

static inline CURLMcode nwbpeek_curl_multi_perform(void *f, CURLM *multi, int *running) {
    return NWBPEEK_CURL(curl_multi_perform, f)(multi, running);
}

static inline CURLMcode nwbpeek_curl_multi_poll(void *f, CURLM *multi, int timeoutMilliseconds) {
    return NWBPEEK_CURL(curl_multi_poll, f)(multi, NULL, 0, timeoutMilliseconds, NULL);
}

static inline CURLMcode nwbpeek_curl_multi_wakeup(void *f, CURLM *multi) {
    return NWBPEEK_CURL(curl_multi_wakeup, f)(multi);
}

static inline CURLMsg *nwbpeek_curl_multi_info_read(void *f, CURLM *multi, int *left) {
    return NWBPEEK_CURL(curl_multi_info_read, f)(multi, left);
}

static inline CURLMcode nwbpeek_curl_multi_setopt_long(void *f, CURLM *multi, CURLMoption option, long value) {
    return NWBPEEK_CURL(curl_multi_setopt, f)(multi, option, value);
}

static inline struct curl_slist *nwbpeek_curl_slist_append(void *f, struct curl_slist *list, const char *text) {
    return NWBPEEK_CURL(curl_slist_append, f)(list, text);
}

static inline void nwbpeek_curl_slist_free_all(void *f, struct curl_slist *list) {
    NWBPEEK_CURL(curl_slist_free_all, f)(list);
}
