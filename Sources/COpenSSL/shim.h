// libcrypto is loaded when the first request is signed (`S3/Digest.swift`, dlopen), not
// linked: only S3 sources sign, and a local command starts without it. Its functions are called
// through these wrappers, each given the function's address from dlsym; the casts take
// OpenSSL's own prototypes.

#include <openssl/evp.h>
#include <openssl/hmac.h>

/// The addresses of the libcrypto functions nwbpeek calls.
typedef struct {
    void *digest, *hmac, *sha256;
} nwbpeek_crypto_functions;

#define NWBPEEK_CRYPTO(name, address) ((__typeof__(&name))(address))

static inline int nwbpeek_EVP_Digest(
    void *f, const void *data, size_t count, unsigned char *md, unsigned int *size, const EVP_MD *type, ENGINE *impl) {
    return NWBPEEK_CRYPTO(EVP_Digest, f)(data, count, md, size, type, impl);
}

static inline unsigned char *nwbpeek_HMAC(
    void *f, const EVP_MD *md, const void *key, int keyLength, const unsigned char *data, size_t count,
    unsigned char *output, unsigned int *outputLength) {
    return NWBPEEK_CRYPTO(HMAC, f)(md, key, keyLength, data, count, output, outputLength);
}

static inline const EVP_MD *nwbpeek_EVP_sha256(void *f) { return NWBPEEK_CRYPTO(EVP_sha256, f)(); }
