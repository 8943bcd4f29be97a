"""Reads of a Neuropixels-like NWB file by nwbpeek and by its peers, in one invocation.

Rows (each the median of --runs runs; peers measured in the same run; ratios printed):
- header listing: `nwbpeek ls --recursive` vs `h5dump -H`;
- full read of the raw series: `nwbpeek cat --format raw -o` vs `h5dump -d ... -b LE -o` and
  h5py's `dset[:]` (in-process: interpreter start-up and import excluded, which favours h5py);
- a 0.1 s window of all channels: nwbpeek vs h5py (in-process).
Peak resident memory of the nwbpeek process is printed per row.

Usage: python3 Benchmarks/read_vs_peers.py FILE [--runs N]   (binary from $NWBPEEK)
"""

import argparse
import os
import statistics
import subprocess
import tempfile
import time

import h5py
import hdf5plugin  # noqa: F401  (registers the plugin filters, as a user of h5py would)

NWBPEEK = os.environ.get("NWBPEEK", ".build/release/nwbpeek")
SERIES = "/acquisition/ElectricalSeries/data"


def run_process(arguments):
    """Wall seconds and peak RSS (MiB) of one run of a command. The RSS comes from GNU time
    (a forked Python child would report its parent's pages as its own)."""
    with tempfile.NamedTemporaryFile("r") as report:
        started = time.perf_counter()
        result = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", report.name, *arguments],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(arguments)} failed: {result.stderr.decode()[:500]}")
        return elapsed, int(report.read().split()[-1]) / 1024


def median_process(arguments, runs):
    results = [run_process(arguments) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def median_call(function, runs):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    runs, path = arguments.runs, arguments.file
    rows = []
    with tempfile.TemporaryDirectory(prefix="nwbpeek-bench-") as directory:
        out = os.path.join(directory, "out.bin")

        ours, rss = median_process([NWBPEEK, "ls", "--recursive", path], runs)
        peer, _ = median_process(["h5dump", "-H", path], runs)
        rows.append(("header listing", ours, rss, [("h5dump -H", peer)]))

        full_runs = max(1, min(runs, 3))
        # Into memory, as h5py's dset[:] (written to /dev/null), and into a file, as h5dump.
        ours, rss = median_process([NWBPEEK, "cat", path, SERIES, "--format", "raw", "-o", "/dev/null"], full_runs)
        to_file, _ = median_process([NWBPEEK, "cat", path, SERIES, "--format", "raw", "-o", out], full_runs)
        size = os.path.getsize(out)
        dump, _ = median_process(["h5dump", "-d", SERIES, "-b", "LE", "-o", out, path], full_runs)
        with h5py.File(path, "r") as file:
            dataset = file[SERIES]
            in_process = median_call(lambda: dataset[:], full_runs)
            shape = dataset.shape
            rate = float(file["/acquisition/ElectricalSeries/starting_time"].attrs["rate"])
        rows.append((f"full read of {SERIES} ({size / 2**20:.0f} MiB)", ours, rss,
                     [("h5py dset[:] in-process", in_process)]))
        rows.append((f"full binary dump of {SERIES} to a file", to_file, None, [("h5dump -b LE -o", dump)]))

        window = int(rate * 0.1)
        start = shape[0] // 2
        ours, rss = median_process(
            [NWBPEEK, "cat", path, SERIES, "--slice", f"{start}:{start + window}", "--format", "raw", "-o", out], runs)
        with h5py.File(path, "r") as file:
            dataset = file[SERIES]
            in_process = median_call(lambda: dataset[start:start + window], runs)
        rows.append((f"0.1 s window, all {shape[1]} channels", ours, rss, [("h5py in-process", in_process)]))

    print(f"file: {path} ({os.path.getsize(path) / 2**20:.0f} MiB); medians of {runs} runs "
          f"({full_runs} for full reads); h5py {h5py.__version__}, HDF5 {h5py.version.hdf5_version}")
    print("| row | nwbpeek s | nwbpeek peak RSS MiB | peer | peer s | peer / nwbpeek |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, ours, rss, peers in rows:
        for peer_name, peer in peers:
            memory = f"{rss:.0f}" if rss is not None else ""
            print(f"| {name} | {ours:.3f} | {memory} | {peer_name} | {peer:.3f} | {peer / ours:.1f}x |")


if __name__ == "__main__":
    main()
