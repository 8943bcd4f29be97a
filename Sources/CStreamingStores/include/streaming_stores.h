#ifndef NWBPEEK_STREAMING_STORES_H
#define NWBPEEK_STREAMING_STORES_H

#include <stddef.h>
#include <stdint.h>

/// Writes `repeats` runs of `count` two-byte elements, run `r` from the low bytes at
/// `low + r * source_step` and the high bytes at `high + r * source_step`, to `output +
/// r * output_step` (little-endian). Whole 64-byte lines of the output are written with
/// non-temporal stores, which skip reading each line into the cache before writing it.
void nwbpeek_interleave2_streaming(
    const uint8_t *low, const uint8_t *high, size_t count, size_t repeats, size_t source_step,
    uint8_t *output, size_t output_step);

/// Copies `repeats` runs of `length` bytes, run `r` from `source + r * source_step` to
/// `output + r * output_step`, with non-temporal stores for whole 64-byte lines of the output.
void nwbpeek_copy_streaming(
    const uint8_t *source, size_t length, size_t repeats, size_t source_step, uint8_t *output, size_t output_step);

#endif
