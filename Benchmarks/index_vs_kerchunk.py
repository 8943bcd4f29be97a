"""Index sidecars: nwbpeek's (`nwbpeek index`, read with `--index`) against kerchunk's.

Rows (each the median of --runs runs; both sides measured in the same invocation):
- building the index: `nwbpeek index FILE -o refs.json` (a process) vs kerchunk's
  `SingleHdf5ToZarr(FILE).translate()` + `json.dump` (in-process: interpreter start-up and
  imports excluded, which favours kerchunk);
- a 0.1 s window of all channels of the raw series through each index: `nwbpeek cat --index`
  (a process, npy to /dev/null) vs fsspec's ReferenceFileSystem + zarr on kerchunk's index
  (in-process, opening the reference set and the array included);
- the size of each index.

With --remote, the file is served by SeaweedFS on loopback behind the latency proxy of
Tests/Remote (40 ms per request and per new connection; --latency to change), and both sides
build their index from, and read chunks through, the same anonymous http:// URL (kerchunk through
fsspec's HTTPFileSystem, as its documentation does).

Usage: python3 Benchmarks/index_vs_kerchunk.py FILE [--runs N] [--remote [--latency S]]
(binary from $NWBPEEK)
Data: Benchmarks/data/neuropixels_30s.nwb (Benchmarks/generate_neuropixels.py, `make bench`).
"""

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import fsspec
import h5py
import numpy as np
import zarr
from kerchunk.hdf import SingleHdf5ToZarr

from read_vs_peers import median_call as median_seconds

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Tests" / "Remote"))
from fault_proxy import DEFAULT_LATENCY, FaultProxy  # noqa: E402
from seaweed import SeaweedFS  # noqa: E402

KEY = "bench/neuropixels.nwb"

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
        # A fresh reference filesystem (and HTTP filesystem under it) per read, in zarr's own event
        # loop: fsspec's cached HTTP filesystem belongs to the loop that made it.
        filesystem = fsspec.filesystem("reference", fo=references, skip_instance_cache=True, asynchronous=True,
                                       remote_options={"skip_instance_cache": True, "asynchronous": True})
        store = zarr.storage.FsspecStore(filesystem, read_only=True, path="")
        group = zarr.open_group(store=store, mode="r", zarr_format=2)
        return group[SERIES.lstrip("/")][WINDOW]


@contextlib.contextmanager
def served(path, scratch, latency):
    """The URL of `path` on SeaweedFS behind the latency proxy."""
    server = SeaweedFS(os.path.join(scratch, "seaweed"))
    with server:
        server.put(KEY, Path(path))
        with FaultProxy("127.0.0.1", server.s3_port, latency=latency) as proxy:
            yield server.http_url(KEY, proxy.address)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--remote", action="store_true", help="serve the file over HTTP with added latency")
    parser.add_argument("--latency", type=float, default=DEFAULT_LATENCY, help="seconds per round trip (--remote)")
    arguments = parser.parse_args()
    path, runs = os.path.abspath(arguments.file), arguments.runs
    with tempfile.TemporaryDirectory(prefix="index-bench-") as scratch, contextlib.ExitStack() as stack:
        location = stack.enter_context(served(path, scratch, arguments.latency)) if arguments.remote else path
        ours = os.path.join(scratch, "nwbpeek.json")
        theirs = os.path.join(scratch, "kerchunk.json")
        build_ours = median_seconds(lambda: run(NWBPEEK, "index", location, "-o", ours), runs)
        build_theirs = median_seconds(lambda: kerchunk_index(location, theirs), runs)

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
    where = (f"over HTTP from SeaweedFS behind a proxy adding {arguments.latency * 1000:.0f} ms per request"
             if arguments.remote else "local")
    print(f"{os.path.basename(path)} ({where}): medians of {runs} runs")
    print("| row | nwbpeek | kerchunk (+ zarr) | kerchunk / nwbpeek |")
    print("| --- | --- | --- | --- |")
    for name, left, right, ratio in rows:
        print(f"| {name} | {left} | {right} | {ratio:.1f}x |")


if __name__ == "__main__":
    main()
