"""Region references of every selection kind libhdf5 writes (hyperslabs regular and not,
points, all, none), in files of the earliest and latest format versions: `nwbpeek ls --json`
describes each selection exactly as libhdf5 reports it (oracle.py)."""

import h5py
import numpy as np
import pytest

import oracle
from test_ls_conformance import nwbpeek_listing


def write_regions(path, libver):
    with h5py.File(path, "w", libver=libver) as file:
        data = file.create_dataset("data", data=np.arange(60).reshape(6, 10))
        space = data.id.get_space()
        references = []
        for select in (
            lambda s: s.select_hyperslab((1, 2), (2, 2)),  # one block
            lambda s: s.select_hyperslab((0, 1), (3, 3), stride=(2, 3), block=(1, 2)),  # regular
            lambda s: (s.select_hyperslab((0, 0), (1, 2)),
                       s.select_hyperslab((4, 5), (2, 3), op=h5py.h5s.SELECT_OR)),  # irregular
            lambda s: s.select_elements(np.array([[0, 0], [5, 9], [2, 3]], dtype=np.uint64)),
            lambda s: s.select_all(),
            lambda s: s.select_none(),
        ):
            selection = space.copy()
            select(selection)
            references.append(h5py.h5r.create(file.id, b"data", h5py.h5r.DATASET_REGION, selection))
        file.create_dataset("regions", data=np.array(references, dtype=h5py.regionref_dtype))
        file.attrs.create("regions", np.array(references, dtype=h5py.regionref_dtype))


@pytest.mark.parametrize("libver", ["earliest", "latest"])
def test_region_selections_match_libhdf5(tmp_path, libver):
    path = tmp_path / f"regions_{libver}.h5"
    write_regions(path, libver)
    expected = {entry["path"]: entry for entry in oracle.listing(path)}
    ours = {entry["path"]: entry for entry in nwbpeek_listing(path)}
    assert ours["/"]["attributes"]["regions"] == expected["/"]["attributes"]["regions"]
    kinds = [value if isinstance(value, str) else next(iter(value)) for value in
             (reference["selection"] for reference in ours["/"]["attributes"]["regions"])]
    assert kinds == ["blocks", "blocks", "blocks", "points", "all", "none"]
