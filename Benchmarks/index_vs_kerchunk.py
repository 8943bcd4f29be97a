"""Index sidecars: nwbpeek's (`nwbpeek index`, read with `--index`) against kerchunk's.

Rows (each the median of --runs runs; both sides measured in the same invocation):
- building the index: `nwbpeek index FILE -o refs.json` (a process) vs kerchunk's
  `SingleHdf5ToZarr(FILE).translate()` + `json.dump` (in-process: interpreter start-up and
  imports excluded, which favours kerchunk);
- a 0.1 s window of all channels of the raw series through each index: `nwbpeek cat --index`
  (a process, npy to /dev/null) vs fsspec's ReferenceFileSystem + zarr on kerchunk's index
  (in-process, opening the reference set and the array included);
- the size of each index.

Usage: python3 Benchmarks/index_vs_kerchunk.py FILE [--runs N]   (binary from $NWBPEEK)
Data: Benchmarks/data/neuropixels_30s.nwb (Benchmarks/generate_neuropixels.py, `make bench`).
"""

import argparse
import json
import os
import subprocess
import tempfile
import time
import warnings

import fsspec
import h5py
import numpy as np
import zarr
from kerchunk.hdf import SingleHdf5ToZarr

from read_vs_peers import median_call as median_seconds

NWBPEEK = os.environ.get("NWBPEEK", ".build/release/nwbpeek")
SERIES = "/acquisition/ElectricalSeries/data"
RATE = 30_000
WINDOW = slice(RATE * 10, RATE * 10 + RATE // 10)


def run(*arguments):
    subprocess.run(arguments, check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)


def kerchunk_index(path, output):
    with fsspec.open(path, "rb") as handle:
        references = SingleHdf5ToZarr(handle, path, inline_threshold=100).translate()
    with open(output, "w") as file:
        json.dump(references, file)


def kerchunk_window(references):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        store = zarr.storage.FsspecStore(fsspec.filesystem("reference", fo=references), read_only=True, path="")
        group = zarr.open_group(store=store, mode="r", zarr_format=2)
        return group[SERIES.lstrip("/")][WINDOW]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    path, runs = os.path.abspath(arguments.file), arguments.runs
    with tempfile.TemporaryDirectory(prefix="index-bench-") as scratch:
        ours = os.path.join(scratch, "nwbpeek.json")
        theirs = os.path.join(scratch, "kerchunk.json")
        build_ours = median_seconds(lambda: run(NWBPEEK, "index", path, "-o", ours), runs)
        build_theirs = median_seconds(lambda: kerchunk_index(path, theirs), runs)

        # Both windows must be h5py's.
        with h5py.File(path, "r") as file:
            expected = file[SERIES][WINDOW]
        window_text = f"{WINDOW.start}:{WINDOW.stop}"
        window_file = os.path.join(scratch, "window.npy")
        run(NWBPEEK, "cat", "--index", ours, SERIES, "--slice", window_text, "--format", "npy", "-o", window_file)
        assert np.array_equal(np.load(window_file), expected), "nwbpeek's window through its index differs from h5py's"
        assert np.array_equal(kerchunk_window(theirs), expected), "zarr's window through kerchunk's index differs"

        window_ours = median_seconds(
            lambda: run(NWBPEEK, "cat", "--index", ours, SERIES, "--slice", window_text, "--format", "npy",
                        "-o", "/dev/null"), runs)
        window_theirs = median_seconds(lambda: kerchunk_window(theirs), runs)
        size_ours, size_theirs = os.path.getsize(ours), os.path.getsize(theirs)

    rows = [
        ("build the index", f"{build_ours:.3f} s", f"{build_theirs:.3f} s", build_theirs / build_ours),
        ("0.1 s window, all channels, through the index", f"{window_ours:.3f} s", f"{window_theirs:.3f} s",
         window_theirs / window_ours),
        ("index size", f"{size_ours / 1024:.0f} KiB", f"{size_theirs / 1024:.0f} KiB", size_theirs / size_ours),
    ]
    print(f"{os.path.basename(path)}: medians of {runs} runs")
    print("| row | nwbpeek | kerchunk (+ zarr) | kerchunk / nwbpeek |")
    print("| --- | --- | --- | --- |")
    for name, left, right, ratio in rows:
        print(f"| {name} | {left} | {right} | {ratio:.1f}x |")


if __name__ == "__main__":
    main()
