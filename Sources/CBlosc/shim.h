// libblosc (and the Snappy library it needs) is loaded when the first Blosc chunk is
// decoded (`Codecs/Blosc.swift`, dlopen), not linked: few files use the filter, and every command
// would otherwise start by loading them. Its functions are called through these wrappers, each
// given the function's address from dlsym; the casts take Blosc's own prototypes.

#include <blosc.h>

/// The addresses of the libblosc functions nwbpeek calls.
typedef struct {
    void *cbuffer_sizes, *cbuffer_validate, *decompress_ctx;
} nwbpeek_blosc_functions;

#define NWBPEEK_BLOSC(name, address) ((__typeof__(&name))(address))

static inline void nwbpeek_blosc_cbuffer_sizes(
    void *f, const void *buffer, size_t *decoded, size_t *compressed, size_t *block) {
    NWBPEEK_BLOSC(blosc_cbuffer_sizes, f)(buffer, decoded, compressed, block);
}

static inline int nwbpeek_blosc_cbuffer_validate(void *f, const void *buffer, size_t count, size_t *decoded) {
    return NWBPEEK_BLOSC(blosc_cbuffer_validate, f)(buffer, count, decoded);
}

static inline int nwbpeek_blosc_decompress_ctx(void *f, const void *source, void *destination, size_t size, int threads) {
    return NWBPEEK_BLOSC(blosc_decompress_ctx, f)(source, destination, size, threads);
}
