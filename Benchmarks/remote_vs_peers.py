"""Remote reads of a Neuropixels-like NWB file by nwbpeek and by its peers, in one invocation: the
file is served by SeaweedFS on loopback behind the latency proxy of Tests/Remote (40 ms per round
trip by default, and one more per new connection, as the TCP handshake costs).

Rows (each the median of --runs runs, every run opening the file afresh):
1. open and list the whole tree with every attribute: `nwbpeek ls --recursive --json URL` vs
   h5py visiting every object and reading every attribute (and each dataset's shape, dtype,
   chunks and filters, as `ls` prints them);
2. open and read 0.1 s (3000 samples) of all 384 channels of the raw series:
   `nwbpeek cat URL SERIES --slice A:B --format raw -o /dev/null` vs h5py `dset[A:B]`;
3. open and read one unit's spike times through units/spike_times_index: `nwbpeek table URL
   /units --rows U:U+1 --columns spike_times` (the NWB layer reads the two index entries, then the
   spike times) vs h5py doing the same by hand.
Peers: h5py over remfile (`remfile.File(url)`) and h5py over fsspec's HTTPFileSystem, each with
its defaults, in-process (interpreter start-up and imports excluded, which favours them); nwbpeek
as a process. All read the same anonymous http:// URL. Requests and bytes are those the proxy
served (body bytes handed to the socket) and its round trips (waves of requests: one read while
none is being answered starts a wave), medians over the runs. remfile learns the size with a
GET of the whole object that it abandons after the headers, so its bytes vary with how much the
proxy had sent by then: that traffic is real, and counted.

Usage: python3 Benchmarks/remote_vs_peers.py FILE [--runs N] [--latency SECONDS]   (binary from $NWBPEEK)
"""

import argparse
import importlib.metadata
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import fsspec
import h5py
import hdf5plugin  # noqa: F401  (registers the plugin filters, as a user of h5py would)
import numpy as np
import remfile

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Tests" / "Remote"))
from fault_proxy import DEFAULT_LATENCY, FaultProxy  # noqa: E402
from seaweed import SeaweedFS  # noqa: E402

NWBPEEK = os.environ.get("NWBPEEK", ".build/release/nwbpeek")
SERIES = "/acquisition/ElectricalSeries/data"
SPIKE_TIMES = "/units/spike_times"
SPIKE_TIMES_INDEX = "/units/spike_times_index"
KEY = "bench/neuropixels.nwb"


# What a binary without URL support says when handed one (as Tests/Remote/test_nwbpeek_remote.py).
NOT_A_URL_READER = re.compile(r"No such file or directory|Unknown option|unsupported|not supported", re.IGNORECASE)


class NwbpeekFailed(Exception):
    """nwbpeek exited with an error; the message is its stderr."""


# The readers: each function opens the file afresh and does one row's work. ------------------------


def open_remfile(url):
    return h5py.File(remfile.File(url), "r")


def open_fsspec(url):
    # A fresh filesystem per open: no connection pool or cache carried over from an earlier run.
    remote = fsspec.filesystem("http", skip_instance_cache=True).open(url, "rb")
    return h5py.File(remote, "r")


def h5py_list(opener, url, _):
    def visit(_, item):
        for name in item.attrs:
            item.attrs[name]
        if isinstance(item, h5py.Dataset):
            item.shape, item.dtype, item.chunks, item.compression, item.shuffle  # noqa: B018

    with opener(url) as file:
        visit("/", file)
        file.visititems(visit)


def h5py_window(opener, url, window):
    with opener(url) as file:
        return file[SERIES][window[0]:window[1]]


def h5py_spikes(opener, url, unit):
    with opener(url) as file:
        bounds = file[SPIKE_TIMES_INDEX][max(unit - 1, 0):unit + 1]
        first, last = (0, bounds[0]) if unit == 0 else (bounds[0], bounds[1])
        return file[SPIKE_TIMES][first:last]


def run_nwbpeek(*arguments):
    result = subprocess.run([NWBPEEK, *map(str, arguments)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise NwbpeekFailed(result.stderr.decode(errors="replace").strip() or f"exit {result.returncode}")
    return result.stdout


def nwbpeek_list(url, _):
    run_nwbpeek("ls", "--recursive", "--json", url)


def nwbpeek_window(url, window):
    run_nwbpeek("cat", url, SERIES, "--slice", f"{window[0]}:{window[1]}", "--format", "raw", "-o", "/dev/null")


def nwbpeek_spikes(url, unit):
    """One process: `nwbpeek table` reads the unit's two index entries, then its spike times."""
    rows = json.loads(run_nwbpeek("table", url, "/units", "--rows", f"{unit}:{unit + 1}", "--columns", "spike_times",
                                  "--format", "json"))
    return np.asarray(rows[0]["spike_times"])


# Measuring ----------------------------------------------------------------------------------------


def measure(proxy, work, runs):
    """Medians over `runs` runs of `work()`: wall seconds, requests, round trips, bytes served."""
    seconds, counts = [], []
    for _ in range(runs):
        proxy.reset_statistics()
        started = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - started)
        counts.append(proxy.statistics())
    return (statistics.median(seconds), *(statistics.median(count[name] for count in counts)
                                          for name in ("requests", "round_trips", "bytes")))


def check_values(local, url, window, unit):
    """nwbpeek and the peers read what h5py reads locally (a benchmark of wrong answers is worthless)."""
    with h5py.File(local, "r") as file:
        expected_window = file[SERIES][window[0]:window[1]]
    expected_spikes = h5py_spikes(lambda path: h5py.File(path, "r"), local, unit)
    for opener in (open_remfile, open_fsspec):
        assert np.array_equal(h5py_window(opener, url, window), expected_window), opener.__name__
        assert np.array_equal(h5py_spikes(opener, url, unit), expected_spikes), opener.__name__
    ours = run_nwbpeek("cat", url, SERIES, "--slice", f"{window[0]}:{window[1]}", "--format", "npy")
    assert np.array_equal(np.load(io.BytesIO(ours)), expected_window), "nwbpeek window"
    assert np.array_equal(nwbpeek_spikes(url, unit), expected_spikes), "nwbpeek spike times"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--latency", type=float, default=DEFAULT_LATENCY, help="seconds per round trip")
    arguments = parser.parse_args()
    path, runs = Path(arguments.file), arguments.runs
    with h5py.File(path, "r") as file:
        samples = file[SERIES].shape[0]
        rate = float(file["/acquisition/ElectricalSeries/starting_time"].attrs["rate"])
        unit = len(file[SPIKE_TIMES_INDEX]) // 2
    start = samples // 2
    window = (start, start + int(rate * 0.1))

    rows, notes = [], []
    with tempfile.TemporaryDirectory(prefix="nwbpeek-remote-bench-") as directory:
        server = SeaweedFS(directory)
        with server:
            uploading = time.perf_counter()
            server.put(KEY, path)
            print(f"uploaded {path} to SeaweedFS in {time.perf_counter() - uploading:.1f} s", file=sys.stderr)
            with FaultProxy("127.0.0.1", server.s3_port, latency=arguments.latency) as proxy:
                url = server.http_url(KEY, proxy.address)
                check_values(path, url, window, unit)
                tasks = [("open + list the whole tree with every attribute", h5py_list, nwbpeek_list, None),
                         (f"open + read 0.1 s ({window[1] - window[0]} samples) of all channels", h5py_window,
                          nwbpeek_window, window),
                         (f"open + read unit {unit}'s spike times via the index", h5py_spikes, nwbpeek_spikes, unit)]
                for name, peer_work, our_work, parameter in tasks:
                    try:
                        ours = measure(proxy, lambda: our_work(url, parameter), runs)
                    except NwbpeekFailed as error:
                        ours = "unsupported" if NOT_A_URL_READER.search(str(error)) else "failed"
                        notes.append(f"nwbpeek, {name}: {str(error).splitlines()[0][:300]}")
                    peers = [(peer, measure(proxy, lambda: peer_work(opener, url, parameter), runs))
                             for peer, opener in (("h5py+remfile", open_remfile), ("h5py+fsspec", open_fsspec))]
                    rows.append((name, ours, peers))

    print(f"file: {path} ({path.stat().st_size / 2**20:.0f} MiB) on SeaweedFS (loopback) behind a proxy adding "
          f"{arguments.latency * 1000:.0f} ms per request and per new connection; medians of {runs} runs; "
          f"h5py {h5py.__version__}, remfile {importlib.metadata.version('remfile')}, fsspec {fsspec.__version__}")
    print("| row | reader | s | requests | round trips | MiB served | time / nwbpeek's | bytes / nwbpeek's |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, ours, peers in rows:
        if isinstance(ours, str):
            print(f"| {name} | nwbpeek | {ours} | | | | | |")
        else:
            print(f"| {name} | nwbpeek | {ours[0]:.3f} | {ours[1]:.0f} | {ours[2]:.0f} | {ours[3] / 2**20:.2f} "
                  "| 1.0x | 1.0x |")
        for peer, (seconds, requests, trips, served) in peers:
            if isinstance(ours, str):
                time_ratio = bytes_ratio = ""
            else:
                time_ratio = f"{seconds / ours[0]:.1f}x"
                bytes_ratio = f"{served / ours[3]:.1f}x" if ours[3] else ""
            print(f"| {name} | {peer} | {seconds:.3f} | {requests:.0f} | {trips:.0f} | {served / 2**20:.2f} "
                  f"| {time_ratio} | {bytes_ratio} |")
    for note in notes:
        print(note)


if __name__ == "__main__":
    main()

