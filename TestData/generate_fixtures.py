#!/usr/bin/env python3
"""Writes the fixtures of TestData/fixtures/ with h5py and pynwb (TestData/README.md lists them).

Deterministic: fixed seeds, fixed timestamps, seeded NWB object ids. The bytes of a file may
still differ between runs where libhdf5 stores times, but h5py's view of every file (what
Tests/Conformance/oracle.py prints) is the same on every run.

Usage: python3 TestData/generate_fixtures.py [OUTPUT_DIRECTORY]   (default TestData/fixtures)
"""

import contextlib
import ctypes
import os
import random
import sys
import uuid
import warnings
from datetime import datetime, timezone
from pathlib import Path

import h5py
import hdf5plugin
import numpy as np
from h5py import h5a, h5d, h5f, h5p, h5s, h5t

LIBVERS = ("earliest", "latest")
# libhdf5 2.0's "latest" writes version 5 layout messages for filtered chunked datasets; files
# written with "latest" by libhdf5 1.10 to 1.14 (most files in the wild) have version 4.
LAYOUT_LIBVERS = LIBVERS + ("v114",)
# Lower and upper format bounds of each libver name (H5Pset_libver_bounds).
LIBVER_BOUNDS = {
    "earliest": (h5f.LIBVER_EARLIEST, h5f.LIBVER_LATEST),
    "latest": (h5f.LIBVER_LATEST, h5f.LIBVER_LATEST),
    "v114": (h5f.LIBVER_V114, h5f.LIBVER_V114),
}
SEED = 20240102

# ---------------------------------------------------------------------------------------------
# Low-level helpers
# ---------------------------------------------------------------------------------------------


def space_for(datatype, data):
    """The dataspace of `data` stored as elements of `datatype`: an HDF5 array type takes the
    last dimensions of the NumPy array."""
    shape = data.shape
    if isinstance(datatype, h5t.TypeArrayID):
        shape = shape[: len(shape) - datatype.get_array_ndims()]
    return h5s.create(h5s.SCALAR) if not shape else h5s.create_simple(shape)


def write_dataset(group, name, datatype, data, memory_type=None):
    """A dataset of an HDF5 datatype h5py's high-level API cannot make (h5t.TypeID)."""
    data = np.ascontiguousarray(data)
    dataset = h5d.create(group.id, name.encode(), datatype, space_for(datatype, data), dcpl=dcpl_with())
    dataset.write(h5s.ALL, h5s.ALL, data, mtype=memory_type or h5t.py_create(data.dtype))


def write_attribute(obj, name, datatype, data, memory_type=None):
    """An attribute of an HDF5 datatype h5py's high-level API cannot make (h5t.TypeID)."""
    data = np.ascontiguousarray(data)
    attribute = h5a.create(obj.id, name.encode(), datatype, space_for(datatype, data))
    attribute.write(data, mtype=memory_type or h5t.py_create(data.dtype))


def put(group, name, datatype, data, memory_type=None):
    """Dataset `group/name` and attribute `name` of group, both of `datatype` holding `data`."""
    if isinstance(datatype, h5t.TypeID):
        write_dataset(group, name, datatype, data, memory_type)
        write_attribute(group, name, datatype, data, memory_type)
    else:
        group.create_dataset(name, data=data, dtype=datatype)
        group.attrs.create(name, data, dtype=datatype)


def hdf5_library():
    """The libhdf5 h5py loaded, for the few property-list calls h5py does not wrap."""
    with open("/proc/self/maps", encoding="utf-8") as maps:
        for line in maps:
            path = line.split()[-1]
            base = os.path.basename(path)
            if base.startswith("libhdf5") and not base.startswith("libhdf5_hl") and ".so" in base:
                return ctypes.CDLL(path)
    raise RuntimeError("libhdf5 is not loaded in this process")


def call(function, *arguments):
    status = function(*arguments)
    if status < 0:
        raise RuntimeError(f"{function.__name__} failed")


H5P_DEFAULT = ctypes.c_int64(0)


def hid(plist):
    return ctypes.c_int64(plist.id)


def commit(group, name, dtype):
    """`group[name] = dtype` (a committed datatype), without times in its object header."""
    library = hdf5_library()
    library.H5Pcreate.restype = ctypes.c_int64
    datatype_create = ctypes.c_int64.in_dll(library, "H5P_CLS_DATATYPE_CREATE_ID_g")
    tcpl = library.H5Pcreate(datatype_create)
    if tcpl < 0:
        raise RuntimeError("H5Pcreate failed")
    try:
        call(library.H5Pset_obj_track_times, ctypes.c_int64(tcpl), ctypes.c_uint(0))
        datatype = h5t.py_create(dtype, logical=True).copy()
        call(library.H5Tcommit2, ctypes.c_int64(group.id.id), name.encode(), ctypes.c_int64(datatype.id),
             H5P_DEFAULT, ctypes.c_int64(tcpl), H5P_DEFAULT)
    finally:
        library.H5Pclose(ctypes.c_int64(tcpl))


@contextlib.contextmanager
def created(path, libver, fcpl=None):
    """A new file made through h5f.create, for file-creation properties h5py does not expose."""
    fapl = h5p.create(h5p.FILE_ACCESS)
    fapl.set_libver_bounds(*LIBVER_BOUNDS[libver])
    fcpl = fcpl or h5p.create(h5p.FILE_CREATE)
    fcpl.set_obj_track_times(False)
    file = h5py.File(h5f.create(str(path).encode(), h5f.ACC_TRUNC, fapl=fapl, fcpl=fcpl))
    try:
        yield file
    finally:
        file.close()


def fixed_string_type(size, pad, cset):
    datatype = h5t.C_S1.copy()
    datatype.set_size(size)
    datatype.set_strpad(pad)
    datatype.set_cset(cset)
    return datatype


# ---------------------------------------------------------------------------------------------
# types_<libver>.h5: every datatype class, as datasets and as attributes
# ---------------------------------------------------------------------------------------------


def integer_values(dtype):
    info = np.iinfo(dtype)
    return np.array([info.min, info.min // 3, 0, 1, info.max // 7, info.max], dtype=dtype)


def float_values(dtype):
    info = np.finfo(dtype)
    values = [0.1, -0.0, 1.5, -2.75, 3.141592653589793, 1e-5, 65504.0, np.nan, np.inf, -np.inf,
              info.smallest_subnormal, info.tiny, info.max, -info.max]
    with np.errstate(over="ignore"):
        return np.array(values, dtype=dtype)


def write_types(path, libver):
    with h5py.File(path, "w", libver=libver) as file:
        targets = file.create_group("targets")
        target_data = targets.create_dataset("data", data=np.arange(20, dtype="<i4").reshape(4, 5))
        target_group = targets.create_group("group")

        numbers = file.create_group("numbers")
        for kind in "iu":
            for size in (1, 2, 4, 8):
                for order in ("<", ">") if size > 1 else ("|",):
                    dtype = np.dtype(f"{order}{kind}{size}")
                    put(numbers, f"{kind}{size}{'be' if order == '>' else 'le' if order == '<' else ''}",
                        dtype, integer_values(dtype))
        for size in (2, 4, 8):
            for order in ("<", ">"):
                dtype = np.dtype(f"{order}f{size}")
                put(numbers, f"f{size}{'be' if order == '>' else 'le'}", dtype, float_values(dtype))
        for dtype in ("<c8", ">c8", "<c16", ">c16"):
            data = np.array([0.1 + 0.2j, -1.5 - 0j, complex(np.inf, np.nan)], dtype=dtype)
            put(numbers, f"c{np.dtype(dtype).itemsize}{'be' if dtype[0] == '>' else 'le'}", np.dtype(dtype), data)
        put(numbers, "bool", np.dtype("?"), np.array([True, False, True]))
        for name, datatype in (("b8le", h5t.STD_B8LE), ("b16be", h5t.STD_B16BE),
                               ("b32le", h5t.STD_B32LE), ("b64be", h5t.STD_B64BE)):
            size = datatype.get_size()
            memory = {1: h5t.NATIVE_B8, 2: h5t.NATIVE_B16, 4: h5t.NATIVE_B32, 8: h5t.NATIVE_B64}[size]
            data = np.array([0, 1, 0x5A, 2 ** (8 * size) - 1], dtype=f"<u{size}")
            put(numbers, f"bitfield_{name}", datatype, data, memory)

        strings = file.create_group("strings")
        pads = (("nullterm", h5t.STR_NULLTERM), ("nullpad", h5t.STR_NULLPAD), ("spacepad", h5t.STR_SPACEPAD))
        csets = (("ascii", h5t.CSET_ASCII), ("utf8", h5t.CSET_UTF8))
        samples = {
            "ascii": [b"abc", b"", b"full8chr", b"a\x00b", b"caf\xe9"],
            "utf8": ["é中".encode(), b"", "naïve".encode(), b"abc  ", "ß".encode()],
        }
        for pad_name, pad in pads:
            for cset_name, cset in csets:
                datatype = fixed_string_type(8, pad, cset)
                memory = fixed_string_type(8, h5t.STR_NULLPAD, cset)
                put(strings, f"fixed_{pad_name}_{cset_name}", datatype,
                    np.array(samples[cset_name], dtype="S8"), memory)
        put(strings, "vlen_ascii", h5py.string_dtype("ascii"),
            np.array([b"hello", b"", b"caf\xe9", b"line\nbreak"], dtype=object))
        put(strings, "vlen_utf8", h5py.string_dtype("utf-8"),
            np.array(["héllo", "", "中文", "emoji 🙂", 'quote " backslash \\'], dtype=object))
        put(strings, "numpy_fixed", np.dtype("S5"), np.array([b"one", b"three", b"seven"]))

        enums = file.create_group("enums")
        put(enums, "enum_i1", h5py.enum_dtype({"RED": 0, "GREEN": 1, "BLUE": 2}, basetype="i1"),
            np.array([0, 2, 1, 1], dtype="i1"))
        put(enums, "enum_u2be", h5py.enum_dtype({"OFF": 0, "ON": 1, "UNKNOWN": 65535}, basetype=">u2"),
            np.array([1, 65535, 0], dtype=">u2"))
        put(enums, "enum_i8", h5py.enum_dtype({"NEGATIVE": -(2 ** 40), "ZERO": 0, "POSITIVE": 7}, basetype="<i8"),
            np.array([-(2 ** 40), 7], dtype="<i8"))

        references = file.create_group("references")
        object_references = np.array([file.ref, target_data.ref, target_group.ref, h5py.Reference()],
                                     dtype=h5py.ref_dtype)
        put(references, "object", h5py.ref_dtype, object_references)
        region_references = np.array([target_data.regionref[1:3, 2:4], target_data.regionref[0, :],
                                      h5py.RegionReference()], dtype=h5py.regionref_dtype)
        put(references, "region", h5py.regionref_dtype, region_references)

        compounds = file.create_group("compounds")
        point = np.dtype([("x", "<f4"), ("y", ">f8")])
        colour = h5py.enum_dtype({"RED": 0, "GREEN": 1}, basetype="u1")
        record = np.dtype([
            ("id", "<i4"),
            ("point", point),
            ("name", h5py.string_dtype("utf-8")),
            ("label", "S6"),
            ("target", h5py.ref_dtype),
            ("triple", ("<i2", (3,))),
            ("flag", "?"),
            ("colour", colour),
            ("samples", h5py.vlen_dtype("<f4")),
        ])
        records = np.array([
            (1, (0.5, -1.25), "first", b"one", target_data.ref, (1, 2, 3), True, 1, np.array([0.1, 0.2], "<f4")),
            (2, (np.nan, 1e300), "δεύτερο", b"two", file.ref, (-4, 5, -6), False, 0, np.array([], "<f4")),
        ], dtype=record)
        put(compounds, "nested", record, records)
        put(compounds, "packed", np.dtype({"names": ["a", "b"], "formats": ["u1", "<u4"], "offsets": [0, 1],
                                          "itemsize": 5}),
            np.array([(1, 2), (3, 4)], dtype=np.dtype({"names": ["a", "b"], "formats": ["u1", "<u4"],
                                                      "offsets": [0, 1], "itemsize": 5})))

        arrays = file.create_group("arrays")
        integer_array = h5t.array_create(h5t.STD_I32LE, (2, 3))
        put(arrays, "array_i4_2x3", integer_array, np.arange(24, dtype="<i4").reshape(4, 2, 3),
            h5t.array_create(h5t.NATIVE_INT32, (2, 3)))
        float_array = h5t.array_create(h5t.IEEE_F64BE, (3,))
        put(arrays, "array_f8be_3", float_array, np.array([[0.5, -0.0, np.inf], [1.0, 2.0, 3.0]]),
            h5t.array_create(h5t.NATIVE_DOUBLE, (3,)))
        string_array = h5t.array_create(fixed_string_type(4, h5t.STR_NULLPAD, h5t.CSET_ASCII), (2,))
        put(arrays, "array_s4_2", string_array, np.array([[b"ab", b"cdef"], [b"", b"x"]], dtype="S4"),
            h5t.array_create(fixed_string_type(4, h5t.STR_NULLPAD, h5t.CSET_ASCII), (2,)))

        sequences = file.create_group("sequences")
        put(sequences, "vlen_i4", h5py.vlen_dtype("<i4"),
            np.array([np.array([1, 2, 3], "<i4"), np.array([], "<i4"), np.array([-7], "<i4")], dtype=object))
        put(sequences, "vlen_f8be", h5py.vlen_dtype(">f8"),
            np.array([np.array([0.25, np.nan], ">f8"), np.array([1e-300], ">f8")], dtype=object))

        opaque = file.create_group("opaque")
        put(opaque, "opaque8", np.dtype("V8"), np.array([bytes(range(8)), b"\xff" * 8], dtype="V8"))
        put(opaque, "opaque3", np.dtype("V3"), np.array([b"\x00\x01\x02"], dtype="V3"))

        shapes = file.create_group("shapes")
        shapes.create_dataset("scalar_f8", data=np.float64(2.5))
        shapes.create_dataset("scalar_vlen_str", data="a scalar string", dtype=h5py.string_dtype())
        shapes.create_dataset("empty_f4", data=h5py.Empty("<f4"))
        shapes.create_dataset("zero_length", shape=(0,), dtype="<i2")
        shapes.create_dataset("three_d", data=np.arange(24, dtype="<u2").reshape(2, 3, 4))
        shapes.attrs["scalar_int"] = np.int32(-5)
        shapes.attrs["scalar_f4"] = np.float32(0.1)
        shapes.attrs["scalar_f2"] = np.float16(0.1)
        shapes.attrs["scalar_bool"] = np.bool_(True)
        shapes.attrs["scalar_vlen_str"] = "scalar"
        shapes.attrs.create("scalar_fixed_str", np.bytes_(b"fixed"))
        shapes.attrs.create("scalar_ref", file.ref, dtype=h5py.ref_dtype)
        shapes.attrs.create("scalar_compound", records[0], dtype=record)
        shapes.attrs["one_element"] = np.array([42], dtype="<i8")
        shapes.attrs["two_d"] = np.arange(6, dtype="<i4").reshape(2, 3)
        shapes.attrs["three_d"] = np.arange(8, dtype="u1").reshape(2, 2, 2)
        shapes.attrs["empty_f4"] = h5py.Empty("<f4")
        shapes.attrs["empty_i8"] = h5py.Empty("<i8")
        shapes.attrs["empty_str"] = h5py.Empty(h5py.string_dtype())
        shapes.attrs["zero_length"] = np.zeros((0,), dtype="<f8")


# ---------------------------------------------------------------------------------------------
# groups_<libver>.h5: link storage, creation order, attribute storage, links of every kind
# ---------------------------------------------------------------------------------------------


def write_groups(path, libver):
    rng = np.random.default_rng(SEED)
    with h5py.File(path, "w", libver=libver) as file:
        file.attrs["title"] = "groups fixture"

        compact = file.create_group("compact")
        for name in ("c", "a", "b"):
            compact.create_dataset(name, data=np.arange(3, dtype="<i4"))

        dense = file.create_group("dense")
        for index in range(20):
            dense.create_group(f"member{(index * 7) % 20:02d}")

        ordered = file.create_group("ordered", track_order=True)
        for index in reversed(range(20)):
            ordered.create_dataset(f"item{index:02d}", data=np.int16(index))
        ordered_compact = file.create_group("ordered_compact", track_order=True)
        for name in ("zeta", "alpha", "mu"):
            ordered_compact.create_group(name)

        names = file.create_group("names")
        for name in ("B", "a", "a b", "é", "ß", "中文", "Z9", "_", "a.b", "a-b"):
            names.create_dataset(name, data=np.uint8(len(name)))

        attributes_compact = file.create_group("attributes_compact")
        for index in range(5):
            attributes_compact.attrs[f"attribute{index}"] = index
        attributes_dense = file.create_group("attributes_dense")
        for index in range(30):
            attributes_dense.attrs[f"attribute{(index * 11) % 30:02d}"] = np.float32(index / 10)
        attributes_ordered = file.create_group("attributes_ordered", track_order=True)
        for index in reversed(range(30)):
            attributes_ordered.attrs[f"attribute{index:02d}"] = f"value {index}"
        attributes_ordered_compact = file.create_group("attributes_ordered_compact", track_order=True)
        for name in ("z", "y", "x"):
            attributes_ordered_compact.attrs[name] = name
        large = file.create_group("attributes_large")
        large.attrs["n" * 1000] = "an attribute with a 1000-character name"
        # Over 64 KiB, an attribute cannot sit in an object header: libver latest moves it to
        # dense storage; libver earliest cannot store it at all, so it gets 32 KiB.
        elements = 9000 if libver == "latest" else 4000
        large.attrs["large_value"] = rng.standard_normal(elements)
        large.attrs.create("unicode_name_é中", np.arange(3, dtype="<i2"))
        file.create_dataset("attributes_on_dataset", data=np.arange(4.0)).attrs.update(
            {f"attribute{index}": index for index in range(12)})

        data = file.create_group("data")
        shared = data.create_dataset("shared", data=np.arange(10, dtype="<f8"))
        file["alias"] = shared  # a second hard link to /data/shared, met first as /alias
        data["shared_again"] = shared

        cycle = file.create_group("cycle")
        child = cycle.create_group("child")
        child["parent"] = cycle  # a hard link to the parent group
        child["root"] = file["/"]  # and one to the root
        cycle["self"] = cycle

        links = file.create_group("links")
        links["to_dataset"] = h5py.SoftLink("/data/shared")
        links["to_group"] = h5py.SoftLink("/cycle/child")
        links["relative"] = h5py.SoftLink("../data")
        links["dangling"] = h5py.SoftLink("/no/such/object")
        links["external"] = h5py.ExternalLink("external_target.h5", "/values")
        links["external_missing"] = h5py.ExternalLink("no_such_file.h5", "/anything")

        types = file.create_group("types")
        commit(types, "vector", np.dtype([("x", "<f4"), ("y", "<f4"), ("z", "<f4")]))
        types["vector"].attrs["unit"] = "metre"
        commit(types, "state", h5py.enum_dtype({"IDLE": 0, "RUNNING": 1, "DONE": 2}, basetype="u1"))
        commit(types, "text", h5py.string_dtype("utf-8"))
        types["vector_again"] = types["vector"]  # a committed datatype with two hard links
        vectors = np.array([(1, 2, 3), (0.5, -0.5, 0)], dtype=types["vector"].dtype)
        typed = file.create_group("typed")
        typed.create_dataset("vectors", data=vectors, dtype=types["vector"])
        typed.create_dataset("states", data=np.array([0, 2, 1], "u1"), dtype=types["state"])
        typed.attrs.create("vector", vectors[0], dtype=types["vector"])
        typed.attrs.create("state", np.uint8(1), dtype=types["state"])
        typed.attrs.create("text", "committed string type", dtype=types["text"])


def write_external_target(path):
    with h5py.File(path, "w") as file:
        file.create_dataset("values", data=np.arange(5, dtype="<i4"))


# ---------------------------------------------------------------------------------------------
# layouts_<libver>.h5: storage layouts and chunk indexes; fill values; virtual and external
# ---------------------------------------------------------------------------------------------


def dcpl_with(layout=None, chunks=None, alloc_time=None, fill_time=None):
    dcpl = h5p.create(h5p.DATASET_CREATE)
    dcpl.set_obj_track_times(False)  # no times in object headers: the same bytes on every run
    if layout is not None:
        dcpl.set_layout(layout)
    if chunks is not None:
        dcpl.set_chunk(chunks)
    if alloc_time is not None:
        dcpl.set_alloc_time(alloc_time)
    if fill_time is not None:
        dcpl.set_fill_time(fill_time)
    return dcpl


def write_layouts(path, libver, directory):
    sequence = np.arange(4096, dtype="<i4")
    with created(path, libver, fcpl=layout_fcpl(libver)) as file:
        layouts = file.create_group("layouts")
        layouts.create_dataset("compact", data=sequence[:16], dcpl=dcpl_with(layout=h5d.COMPACT))
        layouts.create_dataset("contiguous", data=sequence[:100])
        layouts.create_dataset("contiguous_unwritten", shape=(50,), dtype="<i4")
        layouts.create_dataset("single_chunk", data=sequence[:64].reshape(8, 8), chunks=(8, 8))
        layouts.create_dataset("single_chunk_filtered", data=sequence[:64].reshape(8, 8), chunks=(8, 8),
                               compression="gzip")
        layouts.create_dataset("implicit", data=sequence[:256].reshape(16, 16),
                               dcpl=dcpl_with(chunks=(4, 4), alloc_time=h5d.ALLOC_TIME_EARLY))
        layouts.create_dataset("fixed_array", data=sequence[:1000], chunks=(10,))
        layouts.create_dataset("fixed_array_filtered", data=sequence[:1000], chunks=(10,), compression="gzip")
        if libver != "earliest":
            # More than 1024 chunks: the fixed array's data block is paged.
            layouts.create_dataset("fixed_array_paged", data=(sequence % 256).astype("u1")[:2000], chunks=(1,))
        layouts.create_dataset("extensible_array", data=sequence[:2000], chunks=(40 if libver == "earliest" else 4,),
                               maxshape=(None,))
        layouts.create_dataset("extensible_array_filtered", data=sequence[:2000], chunks=(40,),
                               maxshape=(None,), compression="gzip", shuffle=True)
        layouts.create_dataset("btree_v2", data=sequence.reshape(64, 64), chunks=(16, 8) if libver == "earliest" else (4, 4),
                               maxshape=(None, None))
        layouts.create_dataset("btree_v2_filtered", data=sequence.reshape(64, 64), chunks=(8, 8),
                               maxshape=(None, 64 * 4), compression="gzip", fletcher32=True)
        layouts.create_dataset("chunked_unwritten", shape=(100, 100), chunks=(10, 10), dtype="<f4")
        layouts.create_dataset("chunked_partial_edge", data=sequence[:1000].reshape(40, 25), chunks=(16, 16))

        fill = file.create_group("fill")
        fill.create_dataset("int_fill", shape=(20,), dtype="<i2", fillvalue=-7)
        fill.create_dataset("float_fill_nan", shape=(4, 4), dtype=">f8", fillvalue=np.nan, chunks=(2, 2))
        fill.create_dataset("string_fill", shape=(3,), dtype="S4", fillvalue=b"????")
        compound = np.dtype([("a", "<i4"), ("b", "<f4")])
        fill.create_dataset("compound_fill", shape=(3,), dtype=compound,
                            fillvalue=np.array((1, 2.5), dtype=compound))
        fill.create_dataset("fill_never", shape=(10,), dtype="<u4", chunks=(5,),
                            dcpl=dcpl_with(chunks=(5,), fill_time=h5d.FILL_TIME_NEVER))
        fill.create_dataset("fill_undefined_written", data=np.arange(5, dtype="<i8"), fillvalue=0)

        many = file.create_group("many_links")
        for index in range(40):
            many.create_group(f"g{(index * 13) % 40:02d}")

        other = file.create_group("other")
        virtual = h5py.VirtualLayout(shape=(2, 100), dtype="<i4")
        virtual[0] = h5py.VirtualSource(".", "/layouts/contiguous", shape=(100,))
        virtual[1, :50] = h5py.VirtualSource(".", "/layouts/fixed_array", shape=(1000,))[:50]
        virtual.dcpl.set_obj_track_times(False)
        other.create_virtual_dataset("virtual", virtual, fillvalue=-1)
        raw = f"external_{libver}.bin"
        (directory / raw).write_bytes(np.arange(10, dtype="<i4").tobytes())
        with contextlib.chdir(directory):
            other.create_dataset("external", shape=(10,), dtype="<i4", external=[(raw, 0, 40)])


def layout_fcpl(libver):
    fcpl = h5p.create(h5p.FILE_CREATE)
    if libver == "earliest":
        # Small version 1 B-tree nodes (superblock version 1): chunk and group B-trees of
        # several levels, group symbol table nodes split over several nodes.
        library = hdf5_library()
        call(library.H5Pset_istore_k, hid(fcpl), ctypes.c_uint(4))
        call(library.H5Pset_sym_k, hid(fcpl), ctypes.c_uint(2), ctypes.c_uint(2))
    return fcpl


# ---------------------------------------------------------------------------------------------
# filters_<libver>.h5: every filter the contract names
# ---------------------------------------------------------------------------------------------


def write_filters(path, libver):
    x = np.arange(2000)
    smooth_int = (1000 * np.sin(x / 50)).astype("<i4")
    smooth_float = np.sin(x / 50).astype("<f4")
    with created(path, libver) as file:
        file.create_dataset("deflate", data=smooth_int, chunks=(500,), compression="gzip", compression_opts=6)
        file.create_dataset("shuffle_deflate", data=smooth_int, chunks=(500,), compression="gzip", shuffle=True)
        file.create_dataset("fletcher32", data=smooth_int, chunks=(500,), fletcher32=True)
        file.create_dataset("shuffle_deflate_fletcher32", data=smooth_float, chunks=(500,), compression="gzip",
                            shuffle=True, fletcher32=True)
        file.create_dataset("lzf", data=smooth_int, chunks=(500,), compression="lzf")
        file.create_dataset("scaleoffset_int", data=smooth_int, chunks=(500,), scaleoffset=0)
        file.create_dataset("scaleoffset_float", data=smooth_float, chunks=(500,), scaleoffset=3)
        if h5py.h5z.filter_avail(h5py.h5z.FILTER_SZIP):
            file.create_dataset("szip", data=smooth_int, chunks=(500,), compression="szip")
        # 16 significant bits of 32 (libhdf5 2.0 refuses to open types with fewer: "unusual").
        nbit_type = h5t.STD_I32LE.copy()
        nbit_type.set_precision(16)
        nbit = dcpl_with(chunks=(500,))
        nbit.set_filter(h5py.h5z.FILTER_NBIT)
        dataset = h5d.create(file.id, b"nbit", nbit_type, h5s.create_simple((2000,)), dcpl=nbit)
        dataset.write(h5s.ALL, h5s.ALL, np.ascontiguousarray(smooth_int // 1000 * 100))
        file.create_dataset("zstd", data=smooth_int, chunks=(500,), **hdf5plugin.Zstd(clevel=5))
        file.create_dataset("blosc_lz4", data=smooth_int, chunks=(500,), **hdf5plugin.Blosc(cname="lz4"))
        file.create_dataset("blosc_zstd_bitshuffle", data=smooth_float, chunks=(500,),
                            **hdf5plugin.Blosc(cname="zstd", shuffle=hdf5plugin.Blosc.BITSHUFFLE))
        file.create_dataset("lz4", data=smooth_int, chunks=(500,), **hdf5plugin.LZ4())
        file.create_dataset("bitshuffle", data=smooth_int, chunks=(500,), **hdf5plugin.Bitshuffle(cname="none"))
        file.create_dataset("bitshuffle_lz4", data=smooth_int, chunks=(500,), **hdf5plugin.Bitshuffle(cname="lz4"))
        file.create_dataset("bitshuffle_zstd", data=smooth_int, chunks=(500,), **hdf5plugin.Bitshuffle(cname="zstd"))
        # A filter the contract has no name for: listed as filter-<id>.
        file.create_dataset("blosc2", data=smooth_int, chunks=(500,), **hdf5plugin.Blosc2())
        file.create_dataset("deflate_2d", data=smooth_float.reshape(40, 50), chunks=(10, 25), compression="gzip")


# ---------------------------------------------------------------------------------------------
# userblock_<libver>.h5, shared_messages.h5, paged.h5: file-level features
# ---------------------------------------------------------------------------------------------


def write_userblock(path, libver):
    with h5py.File(path, "w", libver=libver, userblock_size=512) as file:
        file.attrs["note"] = "the superblock is at byte 512"
        file.create_dataset("data", data=np.arange(10, dtype="<i8"))
        file.create_group("group").attrs["x"] = 1
    with open(path, "r+b") as raw:
        raw.write(b"nwbpeek fixture: this is the user block, not HDF5.\n")


# H5O_SHMESG_*_FLAG: one bit per header message type that may be shared.
SHMESG_SDSPACE, SHMESG_DTYPE, SHMESG_FILL, SHMESG_PLINE, SHMESG_ATTR = 0x0002, 0x0008, 0x0020, 0x0800, 0x1000


def write_shared_messages(path):
    library = hdf5_library()
    fcpl = h5p.create(h5p.FILE_CREATE)
    call(library.H5Pset_shared_mesg_nindexes, hid(fcpl), ctypes.c_uint(2))
    # Index 0: datatypes, few distinct ones, kept as a list. Index 1: dataspaces, attributes,
    # fill values and filter pipelines, many distinct ones: past 8 it becomes a v2 B-tree.
    call(library.H5Pset_shared_mesg_index, hid(fcpl), ctypes.c_uint(0), ctypes.c_uint(SHMESG_DTYPE),
         ctypes.c_uint(1))
    call(library.H5Pset_shared_mesg_index, hid(fcpl), ctypes.c_uint(1),
         ctypes.c_uint(SHMESG_SDSPACE | SHMESG_ATTR | SHMESG_FILL | SHMESG_PLINE), ctypes.c_uint(1))
    call(library.H5Pset_shared_mesg_phase_change, hid(fcpl), ctypes.c_uint(8), ctypes.c_uint(6))
    compound = np.dtype([("when", "<f8"), ("what", h5py.string_dtype())])
    with created(path, "earliest", fcpl=fcpl) as file:
        file.attrs["shared_attribute"] = np.arange(20, dtype="<i4")
        for index in range(24):
            group = file.create_group(f"group{index:02d}")
            group.attrs["shared_attribute"] = np.arange(20, dtype="<i4")  # same value everywhere
            group.attrs["own_attribute"] = np.arange(index + 1, dtype="<f8")
            group.create_dataset("data", data=np.arange(index + 2, dtype="<i2"), chunks=(1,),
                                 compression="gzip", fillvalue=index)
            group.create_dataset("records", shape=(2,), dtype=compound)


def write_paged(path):
    fcpl = h5p.create(h5p.FILE_CREATE)
    fcpl.set_file_space_strategy(h5f.FSPACE_STRATEGY_PAGE, True, 1)
    fcpl.set_file_space_page_size(4096)
    with created(path, "latest", fcpl=fcpl) as file:
        file.create_dataset("data", data=np.arange(100, dtype="<i4"))
        file.create_group("group").attrs["x"] = "paged file space"


# ---------------------------------------------------------------------------------------------
# sample.nwb (libver earliest, pynwb's default) and sample_latest.nwb
# ---------------------------------------------------------------------------------------------


def seed_object_ids(seed):
    """hdmf gives every container a random UUID object_id: make them reproducible."""
    import hdmf.container

    generator = random.Random(seed)
    hdmf.container.uuid4 = lambda: uuid.UUID(int=generator.getrandbits(128), version=4)


def build_nwb():
    from hdmf.backends.hdf5.h5_utils import H5DataIO
    from pynwb import NWBFile, TimeSeries
    from pynwb.ecephys import LFP, ElectricalSeries
    from pynwb.file import Subject

    seed_object_ids(SEED)
    # hdmf warns that a region's table has no common ancestor while the series is not yet in
    # the file; the finished file is as intended.
    warnings.filterwarnings("ignore", message="The linked table for DynamicTableRegion")
    rng = np.random.default_rng(SEED)
    start = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    nwb = NWBFile(
        session_description="nwbpeek sample recording",
        identifier="nwbpeek-sample-0001",
        session_start_time=start,
        file_create_date=[start],
        experimenter=["Doe, Jane"],
        lab="Test Lab",
        institution="Nowhere University",
        experiment_description="A small synthetic extracellular recording.",
        session_id="session-1",
        keywords=["synthetic", "ecephys"],
    )
    nwb.subject = Subject(subject_id="mouse-1", species="Mus musculus", sex="F", age="P90D",
                          description="a synthetic mouse")
    device = nwb.create_device(name="probe", description="a 32-channel silicon probe", manufacturer="Acme")
    shanks = [nwb.create_electrode_group(name=f"shank{index}", description=f"shank {index}",
                                         location="CA1", device=device) for index in range(2)]
    nwb.add_electrode_column(name="label", description="channel label")
    for channel in range(32):
        nwb.add_electrode(group=shanks[channel // 16], location="CA1", label=f"ch{channel:02d}",
                          x=float(channel % 16) * 20.0, y=float(channel // 16) * 200.0, z=0.0)
    all_electrodes = nwb.create_electrode_table_region(list(range(32)), "all electrodes")

    samples = 2000
    time = np.arange(samples) / 30000.0
    phases = np.linspace(0, np.pi, 32)
    signal = 800 * np.sin(2 * np.pi * 50 * time[:, None] + phases[None, :])
    raw = signal.astype("<i2")
    nwb.add_acquisition(ElectricalSeries(
        name="ElectricalSeries",
        data=H5DataIO(raw, compression="gzip", compression_opts=4, shuffle=True, chunks=(500, 32)),
        electrodes=all_electrodes, starting_time=0.0, rate=30000.0, conversion=1.95e-7,
        description="raw voltage"))

    module = nwb.create_processing_module(name="ecephys", description="processed extracellular data")
    lfp_electrodes = nwb.create_electrode_table_region(list(range(0, 32, 4)), "every fourth electrode")
    lfp = (signal[::30, ::4] / 1000).astype("<f4")
    module.add(LFP(electrical_series=ElectricalSeries(
        name="LFP", data=lfp, electrodes=lfp_electrodes, starting_time=0.0, rate=1000.0,
        description="low-pass filtered")))
    behavior = nwb.create_processing_module(name="behavior", description="behavioural measurements")
    behavior.add(TimeSeries(name="speed", data=rng.random(50).astype("<f8"), unit="m/s",
                            timestamps=np.arange(50) * 0.002, description="running speed"))

    nwb.add_unit_column(name="quality", description="sorting quality")
    for unit in range(12):
        spikes = np.sort(rng.uniform(0, time[-1], size=3 + unit * 2)).round(6)
        nwb.add_unit(spike_times=spikes, quality="good" if unit % 3 else "mua")

    nwb.add_trial_column(name="condition", description="stimulus condition")
    for trial in range(6):
        nwb.add_trial(start_time=trial * 0.015, stop_time=trial * 0.015 + 0.01,
                      condition=["left", "right"][trial % 2])
    return nwb


def write_nwb(path, libver):
    from pynwb import NWBHDF5IO

    nwb = build_nwb()
    if libver == "earliest":
        # As pynwb writes by default, the NWB schema cached in /specifications included.
        with NWBHDF5IO(str(path), mode="w") as io:
            io.write(nwb)
    else:
        # The cached schema would add some 170 KB: this one goes without.
        with h5py.File(path, "w", libver="latest") as file, NWBHDF5IO(file=file, mode="r+") as io:
            io.write(nwb, cache_spec=False)


# ---------------------------------------------------------------------------------------------
# ecephys_<libver>.nwb: the NWB layer's cases (Tests/NWB, Tests/NWBTests)
# ---------------------------------------------------------------------------------------------


def build_ecephys_nwb():
    """An NWB file with what the NWB API reads: a series with rate, starting time, conversion,
    offset and channel conversion; one with 12000 irregular timestamps; units with ragged
    spike times, a ragged electrodes region and doubly ragged waveforms; trials with a ragged
    text column; a plain DynamicTable with a 2-D column."""
    from hdmf.backends.hdf5.h5_utils import H5DataIO
    from hdmf.common import DynamicTable, VectorData
    from pynwb import NWBFile, TimeSeries
    from pynwb.ecephys import ElectricalSeries
    from pynwb.file import Subject

    seed_object_ids(SEED + 1)
    warnings.filterwarnings("ignore", message="The linked table for DynamicTableRegion")
    rng = np.random.default_rng(SEED + 1)
    start = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    nwb = NWBFile(session_description="nwbpeek NWB layer fixture", identifier="nwbpeek-ecephys-0002",
                  session_start_time=start, file_create_date=[start])
    nwb.subject = Subject(subject_id="rat-7", species="Rattus norvegicus", sex="M", age="P120D",
                          genotype="wild type", weight="0.35 kg")
    device = nwb.create_device(name="array", description="an 8-channel array", manufacturer="Acme")
    nwb.create_device(name="camera", description="behaviour camera")
    group = nwb.create_electrode_group(name="tetrodes", description="two tetrodes", location="V1", device=device)
    for channel in range(8):
        nwb.add_electrode(group=group, location="V1", x=float(channel), y=0.0, z=-float(channel) / 2)
    electrodes = nwb.create_electrode_table_region(list(range(8)), "every electrode")

    samples = 3000
    raw = (rng.normal(0, 30, size=(samples, 8))).astype("<i2")
    nwb.add_acquisition(ElectricalSeries(
        name="raw", data=H5DataIO(raw, compression="gzip", shuffle=True, chunks=(1000, 8)),
        electrodes=electrodes, starting_time=2.5, rate=1000.0, conversion=2e-6, offset=0.01,
        channel_conversion=[1.0, 1.5, 0.5, 2.0, 1.0, 1.25, 0.75, 1.0], description="raw voltage"))

    count = 12000
    intervals = rng.choice([0.001, 0.002, 0.0035], size=count)
    timestamps = np.round(10.0 + np.cumsum(intervals), 6)
    events = TimeSeries(name="events", data=H5DataIO((np.arange(count) % 7).astype("<u1"), compression="gzip",
                                                      chunks=(4000,)),
                        timestamps=H5DataIO(timestamps, compression="gzip", shuffle=True, chunks=(4000,)),
                        unit="n.a.", description="irregularly sampled events")
    nwb.add_acquisition(events)

    nwb.add_unit_column(name="quality", description="sorting quality")
    for unit in range(5):
        spikes = np.sort(rng.uniform(2.5, 5.5, size=4 + unit * 3)).round(6)
        unit_electrodes = [unit % 8, (unit + 3) % 8][: 1 + unit % 2]
        waveforms = rng.normal(size=(len(unit_electrodes), len(spikes), 6)).round(3)
        nwb.add_unit(spike_times=spikes, electrodes=unit_electrodes, waveforms=waveforms,
                     quality=float(unit) / 4)

    nwb.add_trial_column(name="stimuli", description="stimuli shown", index=True)
    for trial in range(7):
        nwb.add_trial(start_time=3.0 + trial * 0.3, stop_time=3.2 + trial * 0.3,
                      stimuli=[f"grating{(trial * index) % 4}" for index in range(trial % 3 + 1)])

    module = nwb.create_processing_module(name="analysis", description="derived measures")
    module.add(DynamicTable(
        name="positions", description="a plain table with a two-dimensional column",
        columns=[VectorData(name="xy", description="position (x, y)", data=rng.random((4, 2)).round(4)),
                 VectorData(name="label", description="label", data=["a", "b", "c", "d"])]))
    return nwb


def write_ecephys_nwb(path, libver):
    from pynwb import NWBHDF5IO

    nwb = build_ecephys_nwb()
    # The cached schema would add some 170 KB: both go without.
    with h5py.File(path, "w", libver=libver) as file, NWBHDF5IO(file=file, mode="r+") as io:
        io.write(nwb, cache_spec=False)


# ---------------------------------------------------------------------------------------------


def main(arguments):
    directory = Path(arguments[0]) if arguments else Path(__file__).resolve().parent / "fixtures"
    directory.mkdir(parents=True, exist_ok=True)
    for libver in LIBVERS:
        write_types(directory / f"types_{libver}.h5", libver)
        write_groups(directory / f"groups_{libver}.h5", libver)
        write_userblock(directory / f"userblock_{libver}.h5", libver)
    for libver in LAYOUT_LIBVERS:
        write_layouts(directory / f"layouts_{libver}.h5", libver, directory)
        write_filters(directory / f"filters_{libver}.h5", libver)
    write_external_target(directory / "external_target.h5")
    write_shared_messages(directory / "shared_messages.h5")
    write_paged(directory / "paged.h5")
    write_nwb(directory / "sample.nwb", "earliest")
    write_nwb(directory / "sample_latest.nwb", "latest")
    for libver in LIBVERS:
        write_ecephys_nwb(directory / f"ecephys_{libver}.nwb", libver)
    total = 0
    for path in sorted(directory.iterdir()):
        size = path.stat().st_size
        total += size
        print(f"{size:>9}  {path.name}")
    print(f"{total:>9}  total")


if __name__ == "__main__":
    main(sys.argv[1:])
