"""Every attribute and dataset value of an HDF5 file as h5py reads it, for comparing one file read
through different byte sources (local, remfile, fsspec) or against nwbpeek's output."""

import h5py
import hdf5plugin  # noqa: F401  (registers the plugin filters, as a user of h5py would)
import numpy as np


def comparable(value):
    """A value in a form `==` compares exactly: arrays as (dtype, shape, bytes or nested lists)."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "O":
            return ("object", value.shape, [comparable(item) for item in value.ravel().tolist()])
        return (value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, np.generic):
        return (value.dtype.str, value.tobytes())
    if isinstance(value, (list, tuple)):
        return [comparable(item) for item in value]
    if isinstance(value, h5py.Reference):
        return ("reference", bool(value))
    return value


def read_or_error(read):
    try:
        return comparable(read())
    except Exception as error:  # noqa: BLE001 (what h5py cannot read is part of the comparison)
        return ("error", type(error).__name__)


def everything(file):
    """{path: {"attributes": {...}, "value": ...}} over all objects reachable from the root."""
    found = {}

    def visit(name, item):
        entry = {"attributes": {key: read_or_error(lambda key=key: item.attrs[key]) for key in sorted(item.attrs)}}
        if isinstance(item, h5py.Dataset):
            entry["value"] = read_or_error(lambda: item[()])
        found[name] = entry

    visit("/", file)
    file.visititems(visit)
    return found
