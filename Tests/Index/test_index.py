"""The index sidecar (`nwbpeek index`, `--index`) against h5py.

For every HDF5 file of ../shared/testdata/ that h5py reads and every fixture of TestData/fixtures/:
build the index with nwbpeek, then
- read datasets through Python's peers, fsspec's ReferenceFileSystem + zarr (Zarr v2), and
  compare with h5py;
- read the same datasets through nwbpeek's own import (`nwbpeek cat --index refs.json`, npy, or
  json where npy cannot hold the type) and compare with h5py;
- check that `ls --recursive --json` through the index equals the direct listing.

A dataset missing from the Zarr view must be of a kind listed in KNOWN_INEXPRESSIBLE, with the
reason Zarr v2 (as zarr-python 3.1 reads it) cannot hold it; a dataset of such a kind must be
missing. Files with many datasets are checked on a seeded sample of them.
"""

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import fsspec
import h5py
import numpy as np
import pytest
import zarr

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Conformance"))
import oracle  # noqa: E402
from test_cat_conformance import expected_values  # noqa: E402
from test_ls_conformance import FILES, NWBPEEK, file_id, run_nwbpeek  # noqa: E402

DATASETS_PER_FILE = 40
# Datasets of more elements or chunks are compared on their first and last SLICE_ROWS rows.
WHOLE_READ_ELEMENTS = 100_000
WHOLE_READ_CHUNKS = 500
SLICE_ROWS = 5

# nwbpeek index's default --inline-limit.
INLINE_LIMIT = 4 << 20

# Kinds of datasets Zarr v2 cannot hold, each with the reason; `kind_of` classifies h5py's view.
KNOWN_INEXPRESSIBLE = {
    "null dataspace": "h5py's Empty has no shape; every Zarr array has one",
    "region reference": "no Zarr type holds a dataset region (a selection of another dataset)",
    "vlen sequence": "numcodecs' vlen-array exists, but zarr-python 3 reads no vlen-array data",
    "compound with vlen or reference members": "Zarr v2 structured types hold fixed-size members only "
                                                 "(object members need json2, which zarr-python 3 does not read)",
    "large compound with padding": "Zarr v2 structured types are packed: such a compound is written inline, "
                                   "repacked, up to the inline limit only",
    "compound with nested members": "zarr-python 3 reads no structured type with compound or array members",
    "virtual dataset": "its data lives in other datasets; nwbpeek does not read virtual datasets yet",
    "blosc2": "Blosc2 (filter 32026) has neither a numcodecs codec nor an nwbpeek decoder",
}


def kind_of(dataset):
    """The KNOWN_INEXPRESSIBLE kind of an h5py dataset, or None when Zarr can hold it."""
    if dataset.shape is None:
        return "null dataspace"
    if dataset.is_virtual:
        return "virtual dataset"
    plist = dataset.id.get_create_plist()
    if any(plist.get_filter(index)[0] == 32026 for index in range(plist.get_nfilters())):
        return "blosc2"
    dtype = dataset.dtype
    if h5py.check_dtype(ref=dtype) is h5py.RegionReference:
        return "region reference"
    if dtype.names is not None:
        if any(_holds_objects(dtype.fields[name][0]) for name in dtype.names):
            return "compound with vlen or reference members"
        if any(dtype.fields[name][0].names is not None or dtype.fields[name][0].subdtype is not None
               for name in dtype.names):
            return "compound with nested members"
        if not _packed(dtype) and dataset.size * dtype.itemsize > INLINE_LIMIT:
            return "large compound with padding"
        return None
    base = dtype.subdtype[0] if dtype.subdtype is not None else dtype
    if h5py.check_vlen_dtype(base) is not None and h5py.check_string_dtype(base) is None:
        return "vlen sequence"
    return None


def _holds_objects(dtype):
    if dtype.subdtype is not None:
        return _holds_objects(dtype.subdtype[0])
    if dtype.names is not None:
        return any(_holds_objects(dtype.fields[name][0]) for name in dtype.names)
    return dtype.kind == "O"


def _packed(dtype):
    offset = 0
    for name in dtype.names:
        member, member_offset = dtype.fields[name][:2]
        if member_offset != offset or (member.names is not None and not _packed(member)):
            return False
        offset += member.itemsize
    return offset == dtype.itemsize


def stored_differently(dataset):
    """True when the elements' stored bytes are not the values libhdf5 gives NumPy: integers
    that do not fill their bytes (n-bit data, bit offsets), fixed-length strings that are not
    NUL-padded. `cat --format npy` writes elements as stored (a gap of `cat` itself, not of the
    index), so those are compared through json."""
    datatype = dataset.id.get_type()
    if isinstance(datatype, h5py.h5t.TypeIntegerID):
        return datatype.get_precision() != 8 * datatype.get_size() or datatype.get_offset() != 0
    if isinstance(datatype, h5py.h5t.TypeStringID) and not datatype.is_variable_str():
        return datatype.get_strpad() != h5py.h5t.STR_NULLPAD
    return False


def h5py_values(dataset, selection):
    # libhdf5 finds external data files relative to the working directory.
    here = os.getcwd()
    os.chdir(Path(dataset.file.filename).resolve().parent)
    try:
        return np.asarray(dataset[selection])
    finally:
        os.chdir(here)


def same(ours, theirs, file):
    """True when `ours` (zarr's or nwbpeek's array) holds h5py's values `theirs`."""
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    if ours.shape != theirs.shape:
        return False
    reference = h5py.check_dtype(ref=theirs.dtype)
    if reference is h5py.Reference:
        return all(_same_object(file, str(path), ref) for path, ref in zip(ours.ravel(), theirs.ravel()))
    if theirs.dtype.kind in "OSU" and ours.dtype.kind in "OTU" or theirs.dtype.kind == "O":
        return [_text(value) for value in ours.ravel()] == [_text(value) for value in theirs.ravel()]
    if theirs.dtype.names is not None:
        return ours.dtype.names == theirs.dtype.names and all(same(ours[name], theirs[name], file) for name in theirs.dtype.names)
    if theirs.dtype.kind in "fc":
        return np.array_equal(ours, theirs, equal_nan=True)
    if theirs.dtype.kind == "V":
        return ours.tobytes() == theirs.tobytes()
    return np.array_equal(ours, theirs)


def _text(value):
    """A string as the `ls --json` rules read one: UTF-8, else Latin-1."""
    if not isinstance(value, bytes):
        return str(value)
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def _same_object(file, path, ref):
    if not ref:
        return path == ""
    return path != "" and file[ref] == file[path]


def selections(dataset):
    """h5py/zarr selections and nwbpeek --slice texts: the whole dataset, or for a large one (in
    elements or chunks: zarr reads each chunk through fsspec, one call a chunk) its first and
    last rows."""
    chunk_count = 1
    for extent, chunk in zip(dataset.shape or (), dataset.chunks or ()):
        chunk_count *= -(-extent // chunk)
    if (dataset.size or 0) <= WHOLE_READ_ELEMENTS and chunk_count <= WHOLE_READ_CHUNKS:
        return [((), "")]
    rows = dataset.shape[0]
    count = min(SLICE_ROWS, rows)
    return [(slice(0, count), f"0:{count}"), (slice(rows - count, rows), f"{rows - count}:{rows}")]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("index")


@pytest.mark.parametrize("path", FILES, ids=file_id)
def test_index_reads_as_h5py_through_zarr_and_nwbpeek(path, scratch):
    try:
        opened = oracle.open_file(path)
    except oracle.OracleError as error:
        pytest.skip(str(error))
    with opened as file:
        source = str(Path(path).resolve())
        refs_path = scratch / (file_id(path).replace("/", "_") + ".json")
        result = run_nwbpeek("index", source, "-o", str(refs_path))
        assert result.returncode == 0, f"nwbpeek index failed: {result.stderr.strip()[:500]}"

        direct = run_nwbpeek("ls", "--recursive", "--json", source)
        indexed = run_nwbpeek("ls", "--recursive", "--json", "--index", str(refs_path))
        assert indexed.returncode == direct.returncode
        assert indexed.stdout == direct.stdout, "ls --json through the index differs from the direct listing"
        if direct.returncode != 0:
            pytest.skip(f"nwbpeek cannot list the file: {direct.stderr.strip()[:200]}")

        refs = json.loads(refs_path.read_text(encoding="utf-8"))
        unexpressed = {entry["path"]: entry["reason"] for entry in refs["nwbpeek"]["unexpressed"]}
        arrays = {"/" + key[: -len("/.zarray")] if key != ".zarray" else "/" for key in refs["refs"] if key.endswith(".zarray")}
        listing = [json.loads(line) for line in direct.stdout.splitlines()]
        paths = [entry["path"] for entry in listing if entry["kind"] == "dataset"]
        assert set(paths) == arrays | set(unexpressed), "the Zarr view's arrays are not the listing's datasets"

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            group = zarr.open_group(
                store=zarr.storage.FsspecStore(fsspec.filesystem("reference", fo=refs), read_only=True, path=""),
                mode="r", zarr_format=2)
        lister = oracle.Lister(file)
        if len(paths) > DATASETS_PER_FILE:
            generator = np.random.default_rng(abs(hash(file_id(path))) % 2**32)
            paths = sorted(generator.choice(paths, DATASETS_PER_FILE, replace=False).tolist())
        problems = []
        for dataset_path in paths:
            dataset = file[dataset_path]
            kind = kind_of(dataset)
            if kind is not None:
                if dataset_path not in unexpressed:
                    problems.append(f"{dataset_path}: a {kind} ({KNOWN_INEXPRESSIBLE[kind]}) is in the Zarr view")
                continue
            if dataset_path in unexpressed:
                problems.append(f"{dataset_path}: left out of the Zarr view: {unexpressed[dataset_path]}")
                continue
            for selection, text in selections(dataset):
                try:
                    theirs = h5py_values(dataset, selection)
                except Exception as error:  # h5py cannot read it: not judged
                    problems.append(f"note: h5py cannot read {dataset_path}: {error}")
                    break
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    array = group[dataset_path.lstrip("/")]
                    ours = array[selection] if selection != () else array[...]
                if not same(ours, theirs, file):
                    problems.append(f"{dataset_path}[{text}]: zarr differs\n  zarr: {str(ours)[:200]}\n  h5py: {str(theirs)[:200]}")
                # One nwbpeek process a dataset: the whole, or the last rows of a large one.
                if (selection, text) == selections(dataset)[-1]:
                    problem = check_nwbpeek_cat(refs_path, dataset, dataset_path, selection, text, theirs, lister, scratch)
                    if problem:
                        problems.append(problem)
        failures = [problem for problem in problems if not problem.startswith("note:")]
        assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures[:8])


def check_nwbpeek_cat(refs_path, dataset, dataset_path, selection, text, theirs, lister, scratch):
    """`nwbpeek cat --index` against h5py: npy where it can hold the type, else json against the
    conformance oracle's rendering."""
    output = scratch / "cat.npy"

    def cat(format, *extra):
        arguments = ["cat", "--index", str(refs_path), dataset_path, "--format", format, *extra]
        return run_nwbpeek(*arguments, *(["--slice", text] if text else []))

    result = cat("npy", "-o", str(output)) if not stored_differently(dataset) else None
    if result is not None and result.returncode == 0:
        ours = np.load(output, allow_pickle=False)
        if not same(ours, theirs, dataset.file):
            return f"{dataset_path}[{text}]: nwbpeek --index differs\n  ours: {str(ours)[:200]}\n  h5py: {str(theirs)[:200]}"
        return None
    if result is not None and "npy cannot hold" not in result.stderr:
        return f"{dataset_path}[{text}]: nwbpeek cat --index failed: {result.stderr.strip()[:300]}"
    result = cat("json")
    if result.returncode != 0:
        return f"{dataset_path}[{text}]: nwbpeek cat --index --format json failed: {result.stderr.strip()[:300]}"
    expected = expected_values(lister, dataset, selection)
    if json.loads(result.stdout) != expected:
        return f"{dataset_path}[{text}]: nwbpeek --index json differs\n  ours: {result.stdout[:200]}\n  h5py: {str(expected)[:200]}"
    return None
