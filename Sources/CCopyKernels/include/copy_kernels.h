#ifndef NWBPEEK_COPY_KERNELS_H
#define NWBPEEK_COPY_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/// Interleaves byte-shuffled elements of 2, 4 or 8 bytes (another size is a no-op): `repeats`
/// runs of `count` elements, run `r` from the planes at `planes + r * source_step` (byte `b` of
/// each element `plane_length * b` bytes further) to `output + r * output_step`. With
/// `streaming`, whole 64-byte lines of the output are written with non-temporal stores, which
/// skip reading each line into the cache before writing it.
void nwbpeek_unshuffle(
    const uint8_t *planes, size_t plane_length, size_t element_size, size_t count, size_t repeats,
    size_t source_step, uint8_t *output, size_t output_step, bool streaming);

/// Copies `repeats` runs of `length` bytes, run `r` from `source + r * source_step` to
/// `output + r * output_step`, with non-temporal stores for whole 64-byte lines of the output.
void nwbpeek_copy_streaming(
    const uint8_t *source, size_t length, size_t repeats, size_t source_step, uint8_t *output, size_t output_step);

#endif
