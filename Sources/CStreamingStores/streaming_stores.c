// Non-temporal stores for the array engine's copies into a large output (ArrayReader.swift,
// `OutputTarget`). Swift has no way to emit them; the rest of the engine is Swift.

#include "streaming_stores.h"

#include <string.h>

// SSE2 is part of x86-64; elsewhere the copies are plain loops.
#if defined(__x86_64__) || defined(_M_X64)
#include <emmintrin.h>
#define STREAMING_STORES 1

enum { line = 64 };

/// Bytes from `output` to its next 64-byte boundary, at most `length`.
static size_t head_length(const uint8_t *output, size_t length) {
    size_t misaligned = (uintptr_t)output & (line - 1);
    size_t head = misaligned == 0 ? 0 : line - misaligned;
    return head < length ? head : length;
}
#endif

static void interleave2(const uint8_t *low, const uint8_t *high, size_t count, uint8_t *output) {
    for (size_t index = 0; index < count; index++) {
        output[2 * index] = low[index];
        output[2 * index + 1] = high[index];
    }
}

void nwbpeek_interleave2_streaming(
    const uint8_t *low, const uint8_t *high, size_t count, size_t repeats, size_t source_step,
    uint8_t *output, size_t output_step) {
    for (size_t run = 0; run < repeats; run++) {
        const uint8_t *l = low + run * source_step, *h = high + run * source_step;
        uint8_t *o = output + run * output_step;
        size_t remaining = count;
#ifdef STREAMING_STORES
        // An odd head leaves the output misaligned for good: no line is whole then.
        size_t head = head_length(o, 2 * remaining);
        if (head % 2 == 0) {
            interleave2(l, h, head / 2, o);
            l += head / 2, h += head / 2, o += head, remaining -= head / 2;
            for (; remaining >= line / 2; remaining -= line / 2, l += line / 2, h += line / 2, o += line) {
                __m128i low0 = _mm_loadu_si128((const __m128i *)l), high0 = _mm_loadu_si128((const __m128i *)h);
                __m128i low1 = _mm_loadu_si128((const __m128i *)(l + 16));
                __m128i high1 = _mm_loadu_si128((const __m128i *)(h + 16));
                _mm_stream_si128((__m128i *)o, _mm_unpacklo_epi8(low0, high0));
                _mm_stream_si128((__m128i *)(o + 16), _mm_unpackhi_epi8(low0, high0));
                _mm_stream_si128((__m128i *)(o + 32), _mm_unpacklo_epi8(low1, high1));
                _mm_stream_si128((__m128i *)(o + 48), _mm_unpackhi_epi8(low1, high1));
            }
        }
#endif
        interleave2(l, h, remaining, o);
    }
#ifdef STREAMING_STORES
    // Orders the streamed lines before whatever the caller does next (another thread reads them).
    _mm_sfence();
#endif
}

void nwbpeek_copy_streaming(
    const uint8_t *source, size_t length, size_t repeats, size_t source_step, uint8_t *output, size_t output_step) {
    for (size_t run = 0; run < repeats; run++) {
        const uint8_t *s = source + run * source_step;
        uint8_t *o = output + run * output_step;
        size_t remaining = length;
#ifdef STREAMING_STORES
        size_t head = head_length(o, remaining);
        memcpy(o, s, head);
        s += head, o += head, remaining -= head;
        for (; remaining >= line; remaining -= line, s += line, o += line) {
            __m128i a = _mm_loadu_si128((const __m128i *)s), b = _mm_loadu_si128((const __m128i *)(s + 16));
            __m128i c = _mm_loadu_si128((const __m128i *)(s + 32)), d = _mm_loadu_si128((const __m128i *)(s + 48));
            _mm_stream_si128((__m128i *)o, a);
            _mm_stream_si128((__m128i *)(o + 16), b);
            _mm_stream_si128((__m128i *)(o + 32), c);
            _mm_stream_si128((__m128i *)(o + 48), d);
        }
#endif
        memcpy(o, s, remaining);
    }
#ifdef STREAMING_STORES
    _mm_sfence();
#endif
}
