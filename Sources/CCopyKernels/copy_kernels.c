// The array engine's copies from shuffled chunks, and its copies into a large output with
// non-temporal stores (ArrayReader.swift, `OutputTarget`). Swift vectorizes neither the
// interleave of four or eight byte planes nor emits non-temporal stores; the rest of the
// engine is Swift.

#include "copy_kernels.h"

#include <string.h>

// SSE2 is part of x86-64; elsewhere the copies are plain loops.
#if defined(__x86_64__) || defined(_M_X64)
#include <emmintrin.h>
#define SSE2_KERNELS 1

enum { line = 64 };

/// Bytes from `output` to its next 64-byte boundary, at most `length`.
static size_t head_length(const uint8_t *output, size_t length) {
    size_t misaligned = (uintptr_t)output & (line - 1);
    size_t head = misaligned == 0 ? 0 : line - misaligned;
    return head < length ? head : length;
}

static inline __m128i load(const uint8_t *p) { return _mm_loadu_si128((const __m128i *)p); }

static inline void put(uint8_t *o, __m128i value, bool streaming) {
    if (streaming) {
        _mm_stream_si128((__m128i *)o, value);
    } else {
        _mm_storeu_si128((__m128i *)o, value);
    }
}

/// Sixteen elements of `size` bytes (2, 4 or 8) from planes `n` bytes apart: 16 * size bytes.
static inline void unshuffle16(const uint8_t *p, size_t n, size_t size, uint8_t *o, bool streaming) {
    __m128i b0 = load(p), b1 = load(p + n);
    __m128i low01 = _mm_unpacklo_epi8(b0, b1), high01 = _mm_unpackhi_epi8(b0, b1);
    if (size == 2) {
        put(o, low01, streaming);
        put(o + 16, high01, streaming);
        return;
    }
    __m128i b2 = load(p + 2 * n), b3 = load(p + 3 * n);
    __m128i low23 = _mm_unpacklo_epi8(b2, b3), high23 = _mm_unpackhi_epi8(b2, b3);
    // Bytes 0-3 of elements 0-3, 4-7, 8-11 and 12-15.
    __m128i q0 = _mm_unpacklo_epi16(low01, low23), q1 = _mm_unpackhi_epi16(low01, low23);
    __m128i q2 = _mm_unpacklo_epi16(high01, high23), q3 = _mm_unpackhi_epi16(high01, high23);
    if (size == 4) {
        put(o, q0, streaming);
        put(o + 16, q1, streaming);
        put(o + 32, q2, streaming);
        put(o + 48, q3, streaming);
        return;
    }
    __m128i b4 = load(p + 4 * n), b5 = load(p + 5 * n), b6 = load(p + 6 * n), b7 = load(p + 7 * n);
    __m128i low45 = _mm_unpacklo_epi8(b4, b5), high45 = _mm_unpackhi_epi8(b4, b5);
    __m128i low67 = _mm_unpacklo_epi8(b6, b7), high67 = _mm_unpackhi_epi8(b6, b7);
    // Bytes 4-7 of the same elements.
    __m128i r0 = _mm_unpacklo_epi16(low45, low67), r1 = _mm_unpackhi_epi16(low45, low67);
    __m128i r2 = _mm_unpacklo_epi16(high45, high67), r3 = _mm_unpackhi_epi16(high45, high67);
    put(o, _mm_unpacklo_epi32(q0, r0), streaming);
    put(o + 16, _mm_unpackhi_epi32(q0, r0), streaming);
    put(o + 32, _mm_unpacklo_epi32(q1, r1), streaming);
    put(o + 48, _mm_unpackhi_epi32(q1, r1), streaming);
    put(o + 64, _mm_unpacklo_epi32(q2, r2), streaming);
    put(o + 80, _mm_unpackhi_epi32(q2, r2), streaming);
    put(o + 96, _mm_unpacklo_epi32(q3, r3), streaming);
    put(o + 112, _mm_unpackhi_epi32(q3, r3), streaming);
}
#endif

static void unshuffle_bytes(const uint8_t *p, size_t n, size_t size, size_t count, uint8_t *o) {
    for (size_t index = 0; index < count; index++) {
        for (size_t byte = 0; byte < size; byte++) o[index * size + byte] = p[byte * n + index];
    }
}

void nwbpeek_unshuffle(
    const uint8_t *planes, size_t plane_length, size_t element_size, size_t count, size_t repeats,
    size_t source_step, uint8_t *output, size_t output_step, bool streaming) {
    size_t size = element_size;
    if (size != 2 && size != 4 && size != 8) return;
    for (size_t run = 0; run < repeats; run++) {
        const uint8_t *p = planes + run * source_step;
        uint8_t *o = output + run * output_step;
        size_t left = count;
#ifdef SSE2_KERNELS
        if (streaming) {
            // A head that is not whole elements leaves the output misaligned: no line is whole.
            size_t head = head_length(o, size * left);
            if (head % size == 0) {
                unshuffle_bytes(p, plane_length, size, head / size, o);
                p += head / size, o += head, left -= head / size;
                // Whole lines: 32 elements of 2 bytes, 16 of 4 or 8.
                size_t step = size == 2 ? 32 : 16;
                for (; left >= step; left -= step, p += step, o += step * size) {
                    unshuffle16(p, plane_length, size, o, true);
                    if (size == 2) unshuffle16(p + 16, plane_length, size, o + 32, true);
                }
            }
        }
        for (; left >= 16; left -= 16, p += 16, o += 16 * size) unshuffle16(p, plane_length, size, o, false);
#endif
        unshuffle_bytes(p, plane_length, size, left, o);
    }
#ifdef SSE2_KERNELS
    // Orders the streamed lines before whatever the caller does next (another thread reads them).
    if (streaming) _mm_sfence();
#endif
}

void nwbpeek_copy_streaming(
    const uint8_t *source, size_t length, size_t repeats, size_t source_step, uint8_t *output, size_t output_step) {
    for (size_t run = 0; run < repeats; run++) {
        const uint8_t *s = source + run * source_step;
        uint8_t *o = output + run * output_step;
        size_t remaining = length;
#ifdef SSE2_KERNELS
        size_t head = head_length(o, remaining);
        memcpy(o, s, head);
        s += head, o += head, remaining -= head;
        for (; remaining >= line; remaining -= line, s += line, o += line) {
            __m128i a = load(s), b = load(s + 16), c = load(s + 32), d = load(s + 48);
            _mm_stream_si128((__m128i *)o, a);
            _mm_stream_si128((__m128i *)(o + 16), b);
            _mm_stream_si128((__m128i *)(o + 32), c);
            _mm_stream_si128((__m128i *)(o + 48), d);
        }
#endif
        memcpy(o, s, remaining);
    }
#ifdef SSE2_KERNELS
    _mm_sfence();
#endif
}
