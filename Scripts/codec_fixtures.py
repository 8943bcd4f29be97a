"""Chunks filtered by libhdf5 (h5py) and its plugins (hdf5plugin), for the Codecs tests.

    python3 Scripts/codec_fixtures.py OUT_DIR            # the test cases
    python3 Scripts/codec_fixtures.py OUT_DIR benchmark  # ~50 MB of shuffled, deflated int16 chunks

For every dataset it writes OUT_DIR/NAME.stored (the first chunk as stored, from
read_direct_chunk) and OUT_DIR/NAME.expected (the same chunk read back by libhdf5 in the file's
own datatype, so with no conversion: exactly what the filter pipeline must decode to), and prints
one JSON line: name, filter mask, chunk size in bytes, element size, and the filters with their
client data as stored in the file.
"""
import ctypes
import glob
import json
import os
import sys

import h5py
import hdf5plugin
import numpy as np
from h5py import h5d, h5p, h5s, h5t, h5z

out_dir = sys.argv[1]
rng = np.random.default_rng(20240611)


def random_walk(count, dtype, step=40):
    """Neural-like samples: a random walk, as a raw extracellular recording looks to a compressor."""
    return np.cumsum(rng.integers(-step, step + 1, size=count)).astype(dtype)


def low_level(f, name, file_type, data, chunks, configure):
    """A dataset created through the low-level API, to control filter order and bit precision."""
    dcpl = h5p.create(h5p.DATASET_CREATE)
    dcpl.set_chunk(chunks)
    configure(dcpl)
    space = h5s.create_simple(data.shape)
    dset = h5d.create(f.id, name.encode(), file_type, space, dcpl=dcpl)
    dset.write(h5s.ALL, h5s.ALL, data)


def create_relaxed(path):
    """A file that accepts datatypes with unused bits (n-bit's reduced precision): libhdf5 2.0 refuses
    them unless the file access list relaxes its integrity checks, which h5py does not expose."""
    fapl = h5p.create(h5p.FILE_ACCESS)
    libraries = glob.glob(os.path.join(os.path.dirname(h5py.__file__), '..', 'h5py.libs', 'libhdf5-*.so*'))
    if libraries:
        relax = ctypes.CDLL(libraries[0]).H5Pset_relax_file_integrity_checks
        relax.argtypes = [ctypes.c_int64, ctypes.c_uint64]
        relax(fapl.id, 1)  # H5F_RFIC_UNUSUAL_NUM_UNUSED_NUMERIC_BITS
    return h5py.File(h5py.h5f.create(path.encode(), h5py.h5f.ACC_TRUNC, fapl=fapl))


def populate(f):
    walk = random_walk(4000, '<i2')
    noise = rng.integers(-2**15, 2**15, size=4000).astype('<i2')

    for level in (1, 6, 9):
        f.create_dataset(f'deflate-{level}', data=walk, chunks=(4000,), compression='gzip',
                         compression_opts=level)
    for dtype in ('|u1', '<i2', '<i4', '<f8', '>i4'):
        name = 'shuffle-deflate-' + dtype.replace('<', 'le').replace('>', 'be').replace('|', '')
        # 37 elements: an odd chunk length.
        f.create_dataset(name, data=random_walk(370, dtype, 3), chunks=(37,), shuffle=True,
                         compression='gzip')
    f.create_dataset('shuffle-only-f4', data=np.linspace(0, 1, 333, dtype='<f4'), chunks=(111,), shuffle=True)
    f.create_dataset('fletcher32-i1-odd', data=random_walk(99, '|i1', 2), chunks=(33,), fletcher32=True)
    f.create_dataset('fletcher32-shuffle-deflate', data=walk.reshape(40, 100), chunks=(20, 50),
                     shuffle=True, compression='gzip', fletcher32=True)
    # Fletcher32 first, then shuffle: shuffle sees 7 × 8 + 4 bytes, so 4 bytes past the last element.
    low_level(f, 'fletcher32-then-shuffle', h5t.IEEE_F64LE, np.linspace(-1, 1, 21), (7,),
              lambda dcpl: (dcpl.set_fletcher32(), dcpl.set_shuffle()))

    f.create_dataset('scaleoffset-i2-auto', data=walk, chunks=(1000,), scaleoffset=0)
    f.create_dataset('scaleoffset-u1-nofill', data=rng.integers(100, 120, size=300).astype('|u1'),
                     chunks=(300,), scaleoffset=0, fillvalue=None)
    with_fill = random_walk(500, '<i4', 1000)
    with_fill[::7] = -12345
    f.create_dataset('scaleoffset-i4-fill', data=with_fill, chunks=(500,), scaleoffset=0, fillvalue=-12345)
    f.create_dataset('scaleoffset-be-i4', data=random_walk(400, '>i4', 100), chunks=(400,), scaleoffset=0)
    f.create_dataset('scaleoffset-i8-12bits', data=rng.integers(-2000, 2000, size=256).astype('<i8'),
                     chunks=(256,), scaleoffset=12)
    f.create_dataset('scaleoffset-i4-full', data=noise.astype('<i4') * 65536, chunks=(500,), scaleoffset=32)
    f.create_dataset('scaleoffset-constant', data=np.full(64, 7, '<i2'), chunks=(64,), scaleoffset=0,
                     fillvalue=None)
    f.create_dataset('scaleoffset-f4-d2', data=(np.sin(np.arange(600) / 9) * 50).astype('<f4'),
                     chunks=(600,), scaleoffset=2)
    f.create_dataset('scaleoffset-f8-d3', data=np.cumsum(rng.normal(size=300)), chunks=(300,), scaleoffset=3)
    float_fill = np.cumsum(rng.normal(size=200)).astype('<f8')
    float_fill[::5] = -999.0
    f.create_dataset('scaleoffset-f8-fill', data=float_fill, chunks=(200,), scaleoffset=1, fillvalue=-999.0)
    f.create_dataset('scaleoffset-deflate-be-f4', data=(np.arange(256) / 7).astype('>f4'), chunks=(256,),
                     scaleoffset=3, compression='gzip')

    twelve_bits = h5t.STD_I32LE.copy()
    twelve_bits.set_precision(12)
    twelve_bits.set_offset(2)
    low_level(f, 'nbit-i32-12bits-offset2', twelve_bits, rng.integers(-2048, 2048, size=(20, 30)).astype('<i4'),
              (10, 30), lambda dcpl: dcpl.set_filter(h5z.FILTER_NBIT))
    ten_bits_be = h5t.STD_U16BE.copy()
    ten_bits_be.set_precision(10)
    ten_bits_be.set_offset(3)
    low_level(f, 'nbit-u16be-10bits-offset3', ten_bits_be, rng.integers(0, 1024, size=300).astype('>u2'),
              (150,), lambda dcpl: dcpl.set_filter(h5z.FILTER_NBIT))
    compound = h5t.create(h5t.COMPOUND, 16)
    compound.insert(b'a', 0, twelve_bits)
    compound.insert(b'b', 4, h5t.IEEE_F32LE)
    compound.insert(b'c', 8, h5t.array_create(ten_bits_be, (2,)))
    compound.insert(b'd', 12, h5t.STD_U8LE)
    rows = np.zeros(64, dtype=[('a', '<i4'), ('b', '<f4'), ('c', '>u2', (2,)), ('d', 'u1'), ('pad', 'V3')])
    rows['a'] = rng.integers(-2048, 2048, size=64)
    rows['b'] = rng.normal(size=64)
    rows['c'] = rng.integers(0, 1024, size=(64, 2))
    rows['d'] = rng.integers(0, 256, size=64)
    memory = h5t.create(h5t.COMPOUND, 16)
    memory.insert(b'a', 0, h5t.STD_I32LE)
    memory.insert(b'b', 4, h5t.IEEE_F32LE)
    memory.insert(b'c', 8, h5t.array_create(h5t.STD_U16BE, (2,)))
    memory.insert(b'd', 12, h5t.STD_U8LE)
    dcpl = h5p.create(h5p.DATASET_CREATE)
    dcpl.set_chunk((32,))
    dcpl.set_filter(h5z.FILTER_NBIT)
    dset = h5d.create(f.id, b'nbit-compound', compound, h5s.create_simple((64,)), dcpl=dcpl)
    dset.write(h5s.ALL, h5s.ALL, rows, mtype=memory)
    # Every bit significant: libhdf5 marks the chunk as needing no packing and stores it as is.
    low_level(f, 'nbit-full-precision', h5t.STD_I16LE, walk, (500,), lambda dcpl: dcpl.set_filter(h5z.FILTER_NBIT))

    f.create_dataset('lzf', data=walk, chunks=(2000,), compression='lzf')
    f.create_dataset('lzf-shuffle-f8', data=np.cumsum(rng.normal(size=500)), chunks=(250,), shuffle=True,
                     compression='lzf')
    # Noise does not compress: h5py's optional LZF filter fails and the chunk is stored as is.
    f.create_dataset('lzf-incompressible', data=rng.integers(0, 256, size=1000).astype('u1'), chunks=(1000,),
                     compression='lzf')

    for level in (1, 10):
        f.create_dataset(f'zstd-{level}', data=walk, chunks=(4000,), **hdf5plugin.Zstd(clevel=level))
    f.create_dataset('lz4', data=walk, chunks=(4000,), **hdf5plugin.LZ4())
    # 1 KiB blocks: several blocks and a shorter last one; the noise blocks are stored raw.
    f.create_dataset('lz4-blocks', data=np.concatenate([walk[:1500], noise[:1500]]), chunks=(3000,),
                     **hdf5plugin.LZ4(nbytes=1024))
    blosc = hdf5plugin.Blosc
    smooth = random_walk(4000, '<i2', 1)
    for name, cname, shuffle in (('blosc-lz4-shuffle', 'lz4', blosc.SHUFFLE),
                                 ('blosc-zstd-bitshuffle', 'zstd', blosc.BITSHUFFLE),
                                 ('blosc-blosclz-noshuffle', 'blosclz', blosc.NOSHUFFLE),
                                 ('blosc-zlib-shuffle', 'zlib', blosc.SHUFFLE)):
        f.create_dataset(name, data=smooth, chunks=(4000,), **blosc(cname=cname, clevel=5, shuffle=shuffle))
    for cname in ('none', 'lz4', 'zstd'):
        # 1003 elements: three elements past the last multiple of 8.
        f.create_dataset(f'bitshuffle-{cname}-i2', data=walk[:3009], chunks=(1003,),
                         **hdf5plugin.Bitshuffle(cname=cname))
        f.create_dataset(f'bitshuffle-{cname}-f8-blocks', data=np.cumsum(rng.normal(size=2000)), chunks=(1000,),
                         **hdf5plugin.Bitshuffle(nelems=256, cname=cname))
    f.create_dataset('bitshuffle-u1', data=rng.integers(0, 16, size=777).astype('u1'), chunks=(777,),
                     **hdf5plugin.Bitshuffle())

    f.create_dataset('szip-nn-i2', data=walk.reshape(40, 100), chunks=(40, 100), compression='szip',
                     compression_opts=('nn', 16))
    f.create_dataset('szip-ec-i4', data=random_walk(4096, '<i4', 8), chunks=(4096,), compression='szip',
                     compression_opts=('ec', 32))
    # 32-bit floats take libaec's interleaved path; 37-element rows its scanline padding path.
    f.create_dataset('szip-nn-f4-padded', data=np.sin(np.arange(37 * 20) / 10).astype('<f4').reshape(20, 37),
                     chunks=(20, 37), compression='szip', compression_opts=('nn', 8))
    f.create_dataset('szip-be-u2', data=random_walk(512, '>u2', 20) + 30000, chunks=(512,), compression='szip')


def dump(f, name):
    dset = f[name]
    dcpl = dset.id.get_create_plist()
    filters = []
    for index in range(dcpl.get_nfilters()):
        code, flags, values, _ = dcpl.get_filter(index)
        filters.append({'id': code, 'optional': bool(flags & 1), 'clientData': [int(v) for v in values]})
    origin = (0,) * dset.ndim
    mask, stored = dset.id.read_direct_chunk(origin)
    file_type = dset.id.get_type()
    chunk_bytes = int(np.prod(dset.chunks)) * file_type.get_size()
    expected = np.zeros(chunk_bytes, np.uint8)
    file_space = dset.id.get_space()
    file_space.select_hyperslab(origin, dset.chunks)
    dset.id.read(h5s.create_simple(dset.chunks), file_space, expected, mtype=file_type)
    with open(os.path.join(out_dir, name + '.stored'), 'wb') as out:
        out.write(stored)
    with open(os.path.join(out_dir, name + '.expected'), 'wb') as out:
        out.write(expected.tobytes())
    print(json.dumps({'name': name, 'filterMask': mask, 'chunkByteCount': chunk_bytes,
                      'elementSize': file_type.get_size(), 'filters': filters}))


def benchmark():
    """64 channels of int16 random walk, 1 MiB chunks, shuffled and deflated as NWB writers do."""
    samples = 409600
    channels = np.stack([random_walk(samples, '<i2', 30) for _ in range(64)], axis=1)
    path = os.path.join(out_dir, 'benchmark.h5')
    with h5py.File(path, 'w') as f:
        dset = f.create_dataset('data', data=channels, chunks=(8192, 64), shuffle=True, compression='gzip',
                                compression_opts=4)
        with open(os.path.join(out_dir, 'benchmark.chunks'), 'wb') as out:
            for start in range(0, samples, 8192):
                _, stored = dset.id.read_direct_chunk((start, 0))
                out.write(len(stored).to_bytes(8, 'little'))
                out.write(stored)
        print(json.dumps({'chunks': samples // 8192, 'chunkByteCount': 8192 * 64 * 2,
                          'clientData': [list(dset.id.get_create_plist().get_filter(i)[2]) for i in range(2)]}))


if len(sys.argv) > 2 and sys.argv[2] == 'benchmark':
    benchmark()
else:
    path = os.path.join(out_dir, 'codecs.h5')
    with create_relaxed(path) as f:
        populate(f)
    with h5py.File(path, 'r') as f:
        for name in sorted(f):
            dump(f, name)
