#!/usr/bin/env python3
"""h5py's (libhdf5's) view of an HDF5 file, in the `nwbpeek ls --recursive --json` contract.

The contract is README.md's "The `--json` contract": one JSON object per line per object,
depth-first from the root, members in byte order of their UTF-8 names, each hard-linked object
listed once at the first path met, each group entered once.

Usage: python3 oracle.py FILE      prints the lines.
As a module: `listing(path)` returns the entries as a list of dicts.

What h5py cannot decode is recorded, not raised: an attribute as {"__error__": message}, a
dataset's dtype likewise, an object that cannot be opened as an entry with kind "__error__".
"""

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

import h5py
import hdf5plugin  # noqa: F401  (registers the plugin filters so such files open)
import numpy as np

# Filter identifiers (HDF5 registered filters) to the names README.md lists.
FILTER_NAMES = {
    1: "deflate",
    2: "shuffle",
    3: "fletcher32",
    4: "szip",
    5: "nbit",
    6: "scaleoffset",
    32000: "lzf",
    32001: "blosc",
    32004: "lz4",
    32008: "bitshuffle",
    32015: "zstd",
}

LAYOUT_NAMES = {
    h5py.h5d.COMPACT: "compact",
    h5py.h5d.CONTIGUOUS: "contiguous",
    h5py.h5d.CHUNKED: "chunked",
    h5py.h5d.VIRTUAL: "virtual",
}


class OracleError(Exception):
    """h5py could not open the file at all."""


def text(raw):
    """Bytes as text: UTF-8, or Latin-1 where not valid UTF-8 (README's rule for strings)."""
    if isinstance(raw, str):
        # h5py decodes vlen strings and names with 'surrogateescape': get the stored bytes back.
        raw = raw.encode("utf-8", "surrogateescape")
    raw = bytes(raw)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def float_value(number):
    """A float as README writes it: the shortest repr in its own precision, or a string."""
    if np.isnan(number):
        return "NaN"
    if np.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    # str() of a NumPy float16/float32/float64 scalar is its shortest round-trip repr in that
    # precision; float() of that text is the value a JSON reader gets from our output.
    return float(str(number))


def dtype_description(dtype):
    """A NumPy dtype (as h5py maps an HDF5 datatype) as README's `dtype` key writes it."""
    string_info = h5py.check_string_dtype(dtype)
    if string_info is not None:
        return "vlen-str" if string_info.length is None else dtype.str
    reference = h5py.check_ref_dtype(dtype)
    if reference is not None:
        return "regionref" if reference is h5py.RegionReference else "ref"
    enum = h5py.check_enum_dtype(dtype)
    if enum is not None:
        return {"enum": dtype.str, "members": {text(k): int(v) for k, v in enum.items()}}
    vlen = h5py.check_vlen_dtype(dtype)
    if vlen is not None:
        return {"vlen": dtype_description(vlen)}
    if dtype.names is not None:
        return [[text(name), dtype_description(dtype.fields[name][0])] for name in dtype.names]
    if dtype.subdtype is not None:
        base, shape = dtype.subdtype
        return {"array": dtype_description(base), "shape": list(shape)}
    return dtype.str


class Lister:
    """One traversal of an open h5py.File in the contract's order."""

    def __init__(self, file):
        self.file = file
        # Object header address -> the first path it was met at.
        self.paths = {}

    # Traversal -------------------------------------------------------------------------------

    def entries(self):
        # Every path first, so that references to objects met later resolve to their path.
        walk = list(self._walk(h5py.h5o.open(self.file.id, b"/"), "/"))
        return [self._describe(path, kind, detail) for path, kind, detail in walk]

    def _walk(self, object_id, path):
        address = h5py.h5o.get_info(object_id).addr
        if address in self.paths:
            return
        self.paths[address] = path
        kind = {
            h5py.h5i.GROUP: "group",
            h5py.h5i.DATASET: "dataset",
            h5py.h5i.DATATYPE: "datatype",
        }.get(h5py.h5i.get_type(object_id))
        if kind is None:
            yield path, "__error__", f"object of unknown kind at {path}"
            return
        yield path, kind, object_id
        if kind != "group":
            return
        names = []
        object_id.links.iterate(names.append)
        for name in sorted(names):
            child = path.rstrip("/") + "/" + text(name)
            try:
                info = object_id.links.get_info(name)
                if info.type == h5py.h5l.TYPE_SOFT:
                    yield child, "softlink", text(object_id.links.get_val(name))
                elif info.type == h5py.h5l.TYPE_EXTERNAL:
                    yield child, "externallink", tuple(text(v) for v in object_id.links.get_val(name))
                elif info.type == h5py.h5l.TYPE_HARD:
                    yield from self._walk(h5py.h5o.open(object_id, name), child)
                else:
                    yield child, "__error__", f"user-defined link type {info.type}"
            except Exception as error:  # noqa: BLE001  (libhdf5 errors come as many types)
                yield child, "__error__", f"{type(error).__name__}: {error}"

    # Entries ---------------------------------------------------------------------------------

    def _describe(self, path, kind, detail):
        if kind == "__error__":
            return {"path": path, "kind": kind, "error": detail}
        if kind == "softlink":
            return {"path": path, "kind": kind, "target": detail}
        if kind == "externallink":
            file_name, target = detail
            return {"path": path, "kind": kind, "target": target, "file": file_name}
        object_id = detail
        entry = {"path": path, "kind": kind}
        if kind == "dataset":
            entry.update(self._dataset(object_id))
        elif kind == "datatype":
            entry["dtype"] = self._guarded(lambda: dtype_description(object_id.dtype))
        entry["attributes"] = self._attributes(object_id)
        return entry

    @staticmethod
    def _guarded(produce):
        try:
            return produce()
        except Exception as error:  # noqa: BLE001
            return {"__error__": f"{type(error).__name__}: {error}"}

    def _dataset(self, dataset_id):
        dataset = h5py.Dataset(dataset_id)
        plist = dataset_id.get_create_plist()
        layout = plist.get_layout()
        shape = dataset_id.shape
        maxshape = None if shape is None else dataset.maxshape
        return {
            "dtype": self._guarded(lambda: dtype_description(dataset_id.dtype)),
            "shape": None if shape is None else list(shape),
            "maxshape": None if maxshape is None else list(maxshape),
            "layout": LAYOUT_NAMES.get(layout, f"layout-{layout}"),
            "chunks": list(plist.get_chunk()) if layout == h5py.h5d.CHUNKED else None,
            "filters": [
                FILTER_NAMES.get(code, f"filter-{code}")
                for code in (plist.get_filter(index)[0] for index in range(plist.get_nfilters()))
            ],
        }

    # Attribute values ------------------------------------------------------------------------

    def _attributes(self, object_id):
        names = []
        h5py.h5a.iterate(object_id, lambda name: names.append(name))
        return {text(name): self._guarded(lambda: self._attribute(object_id, name)) for name in names}

    def _attribute(self, object_id, name):
        # As h5py's AttributeManager.__getitem__, but keeping vlen strings as stored bytes.
        attribute = h5py.h5a.open(object_id, name)
        shape = attribute.shape
        if shape is None:
            return None  # null dataspace (h5py.Empty)
        dtype = attribute.dtype
        memory_type = h5py.h5t.py_create(dtype)
        if dtype.subdtype is not None:
            # NumPy has no top-level array type: h5py reads an array type as extra dimensions.
            base, subshape = dtype.subdtype
            shape, dtype = shape + subshape, base
        values = np.zeros(shape, dtype=dtype, order="C")
        attribute.read(values, mtype=memory_type)
        return self._nested(values, dtype)

    def _nested(self, values, dtype):
        """An array whose elements are of `dtype` as nested lists (a 0-d array as one value)."""
        values = np.asarray(values)
        if values.ndim == 0:
            return self._value(values[()], dtype)
        if values.ndim == 1:
            # Iterating a 1-d array yields its elements (a vlen element is itself an array).
            return [self._value(element, dtype) for element in values]
        return [self._nested(row, dtype) for row in values]

    def _value(self, value, dtype):
        if dtype.subdtype is not None:
            base, _ = dtype.subdtype
            return self._nested(value, base)
        if h5py.check_string_dtype(dtype) is not None:
            return text(value)
        reference = h5py.check_ref_dtype(dtype)
        if reference is not None:
            if not value:
                return None
            target = self._reference_path(value)
            if reference is h5py.RegionReference:
                return {"target": target, "selection": self._region_selection(value)}
            return target
        vlen = h5py.check_vlen_dtype(dtype)
        if vlen is not None:
            element_array = np.asarray(value)
            if vlen.names is None and vlen.byteorder in "<>" and element_array.dtype != vlen:
                # h5py 3.16 hands back a sequence of a non-native base type (e.g. vlen of >f8)
                # as an array of the native type holding the file's unconverted bytes.
                element_array = np.frombuffer(element_array.tobytes(), dtype=vlen)
            return [self._value(element, vlen) for element in element_array]
        if dtype.names is not None:
            return {text(name): self._value(value[name], dtype.fields[name][0]) for name in dtype.names}
        if dtype.kind == "b":
            return bool(value)
        if dtype.kind in "iu":
            return int(value)
        if dtype.kind == "f":
            return float_value(value)
        if dtype.kind == "c":
            return {"real": float_value(value.real), "imag": float_value(value.imag)}
        if dtype.kind == "V":
            return bytes(value).hex()
        if dtype.kind == "S":
            return text(value)
        raise TypeError(f"no JSON form for NumPy dtype {dtype.str}")

    def _reference_path(self, reference):
        target = self.file[reference]
        address = h5py.h5o.get_info(target.id).addr
        # The contract's path of an object is the first path the traversal met it at; an object
        # the traversal never met (unlinked) keeps the name libhdf5 gives it.
        return self.paths.get(address, target.name)

    def _region_selection(self, reference):
        """The contract's description of a region reference's selection, from libhdf5's."""
        space = h5py.h5r.get_region(reference, self.file.id)
        kind = space.get_select_type()
        if kind == h5py.h5s.SEL_ALL:
            return "all"
        if kind == h5py.h5s.SEL_NONE:
            return "none"
        if kind == h5py.h5s.SEL_POINTS:
            return {"points": space.get_select_elem_pointlist().tolist()}
        return {"blocks": space.get_select_hyper_blocklist().tolist()}


def _needs_h5clear(error):
    return "h5clear" in str(error)


@contextlib.contextmanager
def open_file(path):
    """The file opened read-only with h5py. A file whose superblock still says "open for write"
    (libhdf5 refuses it) is opened from a temporary copy cleared with `h5clear -s`."""
    try:
        file = h5py.File(path, "r", locking=False)
    except OSError as error:
        if not _needs_h5clear(error):
            raise OracleError(f"h5py cannot open {path}: {error}") from error
        with tempfile.TemporaryDirectory(prefix="oracle-") as directory:
            copy = os.path.join(directory, os.path.basename(path))
            shutil.copyfile(path, copy)
            subprocess.run(["h5clear", "-s", copy], check=True, capture_output=True)
            try:
                file = h5py.File(copy, "r", locking=False)
            except OSError as second:
                raise OracleError(f"h5py cannot open {path} even after h5clear -s: {second}") from second
            with file:
                yield file
        return
    with file:
        yield file


def listing(path):
    """The contract's entries for the file at `path`, as dicts, in the contract's order."""
    with open_file(path) as file:
        return Lister(file).entries()


def main(arguments):
    if len(arguments) != 1:
        print("usage: oracle.py FILE", file=sys.stderr)
        return 2
    try:
        entries = listing(arguments[0])
    except OracleError as error:
        print(error, file=sys.stderr)
        return 1
    for entry in entries:
        print(json.dumps(entry, ensure_ascii=False, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
