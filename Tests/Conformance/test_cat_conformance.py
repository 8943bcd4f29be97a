"""Conformance of `nwbpeek cat --format json` with h5py: every dataset of every file in
../shared/testdata/ and TestData/fixtures/, whole and in random slices (with steps, crossing
chunk edges), must give h5py's values, written with the `ls --json` value rules (oracle.py).

A dataset nwbpeek cannot read yet must be listed in KNOWN_UNSUPPORTED with the reason, and must
then fail with nwbpeek's "unsupported" error; anything else is a failure.
"""

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import oracle  # noqa: E402
from test_ls_conformance import FILES, NWBPEEK, file_id  # noqa: E402

SLICES_PER_DATASET = 2
# A file of more datasets than this (jhdf's large groups: 1000 alike datasets) is checked on a
# seeded sample of them, to keep one process per read affordable.
DATASETS_PER_FILE = 60
# Datasets larger than this are checked by slices only (jhdf's tiny_huge_1d_over_maxint.hdf5
# holds 2^31 + 52 elements: reading it whole costs 2 GiB on both sides).
WHOLE_READ_LIMIT = 50_000_000

# (file id, dataset path) -> why nwbpeek refuses it, explicitly.
KNOWN_UNSUPPORTED = {
    **{(f"fixtures/layouts_{version}.h5", "/other/virtual"): "virtual datasets are described, not read"
       for version in ("earliest", "latest", "v114")},
    **{(f"fixtures/filters_{version}.h5", "/blosc2"): "Blosc2 (filter 32026) has no decoder yet"
       for version in ("earliest", "latest", "v114")},
}


def datasets(path):
    """(path, h5py dataset) pairs of the file, in the listing's order, with the oracle's lister."""
    found = []
    with oracle.open_file(path) as file:
        lister = oracle.Lister(file)
        for entry in lister.entries():
            if entry["kind"] == "dataset":
                found.append(entry["path"])
        yield file, lister, found


def expected_values(lister, dataset, selection):
    # libhdf5 finds external data files relative to the working directory.
    here = os.getcwd()
    os.chdir(Path(dataset.file.filename).resolve().parent)
    try:
        values = dataset[selection] if selection != () else dataset[()]
    finally:
        os.chdir(here)
    dtype = dataset.dtype
    if dtype.subdtype is not None:
        dtype = dtype.subdtype[0]
    return lister._nested(values, dtype)


def random_selection(shape, chunks, generator):
    """A NumPy slice per dimension, as text for nwbpeek and as a tuple for h5py."""
    texts, slices = [], []
    for axis, extent in enumerate(shape):
        chunk = (chunks or shape)[axis] or 1
        # Start near a chunk edge half of the time.
        if generator.random() < 0.5 and extent > chunk:
            start = chunk * generator.randint(0, max((extent - 1) // chunk, 0)) - generator.randint(0, 1)
        else:
            start = generator.randint(0, max(extent - 1, 0))
        start = max(start, 0)
        stop = generator.randint(start + 1, min(extent, start + 100_000)) if extent > start else extent
        step = generator.choice([1, 1, 2, 3])
        texts.append(f"{start}:{stop}:{step}")
        slices.append(slice(start, stop, step))
    return ",".join(texts), tuple(slices)


def run_cat(path, dataset_path, selection_text):
    arguments = [str(NWBPEEK), "cat", str(path), dataset_path, "--format", "json"]
    if selection_text:
        arguments += ["--slice", selection_text]
    return subprocess.run(arguments, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("path", FILES, ids=file_id)
def test_values_match_h5py(path):
    generator = random.Random(file_id(path))
    problems = []
    checked = 0
    try:
        opened = datasets(path)
        file, lister, paths = next(opened)
    except oracle.OracleError as error:
        pytest.skip(str(error))
    if len(paths) > DATASETS_PER_FILE:
        paths = sorted(generator.sample(paths, DATASETS_PER_FILE))
    try:
        for dataset_path in paths:
            dataset = file[dataset_path]
            known = KNOWN_UNSUPPORTED.get((file_id(path), dataset_path))
            selections = [("", ())] if (dataset.size or 0) <= WHOLE_READ_LIMIT else []
            if dataset.shape and all(extent > 0 for extent in dataset.shape):
                selections += [random_selection(dataset.shape, dataset.chunks, generator) for _ in range(SLICES_PER_DATASET)]
            for text, selection in selections:
                try:
                    expected = expected_values(lister, dataset, selection)
                except Exception as error:  # h5py cannot read it: not judged
                    problems.append(f"note: h5py cannot read {dataset_path}[{text}]: {error}")
                    break
                result = run_cat(path, dataset_path, text)
                if known is not None:
                    if result.returncode == 0 or not ("unsupported" in result.stderr or "not supported" in result.stderr):
                        problems.append(f"{dataset_path}: listed as unsupported ({known}) but: {result.stderr.strip()[:200]}")
                    break
                if result.returncode != 0:
                    problems.append(f"{dataset_path}[{text}]: nwbpeek failed: {result.stderr.strip()[:300]}")
                    break
                ours = json.loads(result.stdout)
                if dataset.shape is None:
                    expected = None
                if ours != expected:
                    problems.append(
                        f"{dataset_path}[{text}]: values differ\n  ours:  {str(ours)[:300]}\n  h5py:  {str(expected)[:300]}")
                    break
                checked += 1
    finally:
        opened.close()
    failures = [problem for problem in problems if not problem.startswith("note:")]
    assert not failures, f"{len(failures)} of {len(paths)} datasets differ:\n" + "\n".join(failures[:8])
