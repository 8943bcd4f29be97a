#!/usr/bin/env python3
"""Listing time of an NWB file: `nwbpeek ls --recursive --json` against h5py.

Measured, each as the median (and minimum) of N runs after one warm-up run:
- nwbpeek: wall time of the whole process (release build: `make bench` builds it);
- h5py in-process: `visititems` over the file with every attribute read, file open included,
  Python and h5py already imported;
- h5py as a process: the same in a fresh `python3 -c` process, for a process-to-process
  comparison (interpreter start and `import h5py` included);
- oracle.py as a process: h5py producing the very JSON lines nwbpeek prints.

Usage: python3 Benchmarks/ls_vs_h5py.py [FILE] [--runs N] [--nwbpeek PATH]
(defaults: TestData/fixtures/sample.nwb, 15 runs, $NWBPEEK or .build/release/nwbpeek)
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import h5py

ROOT = Path(__file__).resolve().parents[1]

# Kept as text so that the in-process and the separate-process measurements run the same code.
H5PY_LISTING = """
import h5py

def h5py_listing(path):
    objects = attributes = 0
    with h5py.File(path, "r") as file:
        def visit(name, obj):
            nonlocal objects, attributes
            objects += 1
            attributes += len(list(obj.attrs.items()))
        visit("/", file)
        file.visititems(visit)
    return objects, attributes
"""


def timed_runs(function, runs):
    function()  # warm-up: file in the page cache, code paths loaded
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - start)
    return seconds


def process(*command):
    def run():
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", nargs="?", default=str(ROOT / "TestData" / "fixtures" / "sample.nwb"))
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--nwbpeek", default=os.environ.get("NWBPEEK", str(ROOT / ".build" / "release" / "nwbpeek")))
    arguments = parser.parse_args()
    if arguments.runs < 10:
        parser.error("--runs must be at least 10")
    if not Path(arguments.nwbpeek).is_file():
        print(f"no nwbpeek binary at {arguments.nwbpeek}: run `make bench` (or build -c release)", file=sys.stderr)
        return 1

    namespace = {}
    exec(H5PY_LISTING, namespace)  # noqa: S102  (our own constant code)
    h5py_listing = namespace["h5py_listing"]
    objects, attributes = h5py_listing(arguments.file)
    oracle = ROOT / "Tests" / "Conformance" / "oracle.py"

    rows = [
        ("nwbpeek ls --recursive --json (process)",
         process(arguments.nwbpeek, "ls", "--recursive", "--json", arguments.file)),
        ("h5py visititems + attributes (in-process)", lambda: h5py_listing(arguments.file)),
        ("h5py visititems + attributes (python3 -c process)",
         process(sys.executable, "-c", H5PY_LISTING + f"\nh5py_listing({arguments.file!r})")),
        ("oracle.py, the same JSON as nwbpeek (process)", process(sys.executable, str(oracle), arguments.file)),
    ]
    print(f"file: {arguments.file} ({Path(arguments.file).stat().st_size} bytes, "
          f"{objects} objects, {attributes} attributes); {arguments.runs} runs each; "
          f"h5py {h5py.version.version}, HDF5 {h5py.version.hdf5_version}")
    print(f"{'what':<52} {'median ms':>10} {'min ms':>10}")
    for label, function in rows:
        seconds = timed_runs(function, arguments.runs)
        print(f"{label:<52} {statistics.median(seconds) * 1000:>10.2f} {min(seconds) * 1000:>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
