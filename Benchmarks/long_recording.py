"""By-hand measurements on the hour-long recording (Benchmarks/generate_long_recording.py)
served by SeaweedFS behind the 40 ms latency proxy, as the bench's remote rows are: nwbpeek's
commands as processes, and h5py over remfile and fsspec reading the same window in this process.
Prints each row's median seconds over RUNS runs, with the proxy's counts of the last run.

Usage: python3 Benchmarks/long_recording.py FILE.nwb [--runs 5] [--start 1800] [--seconds 4]
       [--nwbpeek .build/release/nwbpeek]
"""

import argparse
import os
import statistics
import subprocess
import tempfile
import time

import peers


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--start", type=float, default=1800.0)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--nwbpeek", default=".build/release/nwbpeek")
    arguments = parser.parse_args()
    session = peers.Session()
    with session.stack, tempfile.TemporaryDirectory() as scratch:
        url = session.serve({"file": arguments.file, "latency": 0.04, "scratch": scratch})["url"]
        output = os.path.join(scratch, "window.npy")
        start, stop = int(arguments.start * 30_000), int((arguments.start + arguments.seconds) * 30_000)

        def measure(label, run, before=lambda: None):
            seconds = []
            for _ in range(arguments.runs):
                before()
                session.reset({})
                started = time.perf_counter()
                run()
                seconds.append(time.perf_counter() - started)
            counts = session.statistics({})
            print(f"{label}: {statistics.median(seconds):.3f} s (runs {min(seconds):.3f}-{max(seconds):.3f}), "
                  f"{counts['requests']} requests, {counts['round_trips']} round trips, "
                  f"{counts['bytes'] / 2**20:.2f} MiB", flush=True)
            return statistics.median(seconds)

        def nwbpeek(*command):
            return lambda: subprocess.run([arguments.nwbpeek, *command], check=True, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL)

        def clear():
            if os.path.exists(output):
                os.unlink(output)

        window = f"{arguments.start}:{arguments.start + arguments.seconds}"
        ours = measure(f"nwbpeek cat --time {window} (npy to a file)",
                       nwbpeek("cat", url, "/acquisition/ElectricalSeries", "--time", window, "--format", "npy",
                               "-o", output), clear)
        assert session.check({"file": arguments.file, "npy": output, "start": start, "stop": stop})["equal"]
        for reader in ("h5py+remfile", "h5py+fsspec"):
            theirs = measure(f"{reader} dset[{start}:{stop}]", peers.work(
                {"task": "window", "reader": reader, "source": url, "start": start, "stop": stop}))
            print(f"  {reader} / nwbpeek: {theirs / ours:.2f}x")
        measure("nwbpeek ls --recursive", nwbpeek("ls", "--recursive", url))
        measure("nwbpeek ls --recursive --sizes", nwbpeek("ls", "--recursive", "--sizes", url))
        measure("nwbpeek info", nwbpeek("info", url))
        measure("nwbpeek table /units --rows 150:151", nwbpeek(
            "table", url, "/units", "--rows", "150:151", "--columns", "spike_times", "--format", "json"))
        measure("nwbpeek index", nwbpeek("index", url, "-o", os.path.join(scratch, "index.json")))


if __name__ == "__main__":
    main()
