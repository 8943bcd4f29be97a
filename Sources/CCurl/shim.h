#include <curl/curl.h>

// Swift cannot call C variadic functions: these typed wrappers stand for curl_easy_setopt,
// curl_easy_getinfo and curl_multi_setopt with one argument type each.

typedef size_t (*nwbpeek_curl_data_callback)(char *data, size_t size, size_t count, void *user);

static inline CURLcode nwbpeek_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode nwbpeek_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode nwbpeek_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode nwbpeek_curl_easy_setopt_callback(
    CURL *handle, CURLoption option, nwbpeek_curl_data_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode nwbpeek_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode nwbpeek_curl_easy_getinfo_offset(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLMcode nwbpeek_curl_multi_setopt_long(CURLM *handle, CURLMoption option, long value) {
    return curl_multi_setopt(handle, option, value);
}
