"""The peers of `nwbpeek-bench` (Sources/NWBPeekBench), and the servers its remote rows need.

`nwbpeek-bench` measures nwbpeek as a process and drives this script as one long-lived session:
a JSON object per line on standard input, one JSON answer per line on standard output. Each
"run" does one run of one peer in this process, so the peers are timed in-process (interpreter
start-up and imports excluded, which favours them), and the bench takes the medians.

Operations (every answer is an object; a failure is {"error": "..."}):
- {"op": "versions"}: the peers' versions.
- {"op": "describe", "file": F}: samples, channels and rate of the raw series, and units.
- {"op": "serve", "file": F, "latency": S, "scratch": D}: F uploaded to SeaweedFS on loopback
  (Tests/Remote/seaweed.py) behind Tests/Remote's proxy adding S seconds per request and per new
  connection; answers the anonymous http:// URL. {"op": "reset"} and {"op": "statistics"}: the
  proxy's counters (requests, round trips, bytes served) since the last reset.
- {"op": "run", "task": T, "reader": R, "source": F or URL, ...}: one timed run; answers seconds.
  Tasks: "list" (every object and attribute), "full" (dset[:]), "window" (start, stop), "spikes"
  (unit), "kerchunk-index" (output), "kerchunk-window" (references, start, stop). Readers:
  "h5py" (a local path), "h5py+remfile", "h5py+fsspec", "kerchunk", "kerchunk+zarr".
- {"op": "check", "file": F, ...}: whether nwbpeek's output equals h5py's values, for a window
  ("npy": a .npy file, start, stop), the whole series ("raw": raw bytes) or a unit's spike times
  ("table": `table --format json` output, unit). A benchmark of wrong answers is worthless.
"""

import contextlib
import importlib.metadata
import json
import logging
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import fsspec
import h5py
import hdf5plugin  # noqa: F401  (registers the plugin filters, as a user of h5py would)
import numpy as np
import remfile
import zarr
from kerchunk.hdf import SingleHdf5ToZarr

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Tests" / "Remote"))
from fault_proxy import FaultProxy  # noqa: E402
from seaweed import SeaweedFS  # noqa: E402

# fsspec's asynchronous HTTP filesystems (kerchunk + zarr) leave their aiohttp sessions for the
# garbage collector, whose "Unclosed client session" reports would land in the bench's table.
logging.getLogger("asyncio").setLevel(logging.CRITICAL)

SERIES = "/acquisition/ElectricalSeries/data"
RATE = "/acquisition/ElectricalSeries/starting_time"
SPIKE_TIMES = "/units/spike_times"
SPIKE_TIMES_INDEX = "/units/spike_times_index"
KEY = "bench/recording.nwb"


# Opening a source as each reader does. --------------------------------------------------------------

def open_local(path):
    return h5py.File(path, "r")


def open_remfile(url):
    return h5py.File(remfile.File(url), "r")


def open_fsspec(url):
    # A fresh filesystem per open: no connection pool or cache carried over from an earlier run.
    return h5py.File(fsspec.filesystem("http", skip_instance_cache=True).open(url, "rb"), "r")


OPENERS = {"h5py": open_local, "h5py+remfile": open_remfile, "h5py+fsspec": open_fsspec}


# The work of each row. ---------------------------------------------------------------------------

def list_everything(file):
    """Every object and attribute, and each dataset's shape, dtype, chunks and filters, as `ls` prints."""
    def visit(_, item):
        for name in item.attrs:
            item.attrs[name]
        if isinstance(item, h5py.Dataset):
            item.shape, item.dtype, item.chunks, item.compression, item.shuffle  # noqa: B018

    visit("/", file)
    file.visititems(visit)


def spike_times(file, unit):
    bounds = file[SPIKE_TIMES_INDEX][max(unit - 1, 0):unit + 1]
    first, last = (0, bounds[0]) if unit == 0 else (bounds[0], bounds[1])
    return file[SPIKE_TIMES][first:last]


def kerchunk_index(source, output):
    # kerchunk warns of each object it cannot express (e.g. scalar string datasets) and carries on.
    with warnings.catch_warnings(), fsspec.open(source, "rb") as handle:
        warnings.simplefilter("ignore")
        references = SingleHdf5ToZarr(handle, source, inline_threshold=100).translate()
    with open(output, "w") as file:
        json.dump(references, file)


def kerchunk_window(references, start, stop):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # A fresh reference filesystem (and HTTP filesystem under it) per read, in zarr's own event
        # loop: fsspec's cached HTTP filesystem belongs to the loop that made it.
        filesystem = fsspec.filesystem("reference", fo=references, skip_instance_cache=True, asynchronous=True,
                                       remote_options={"skip_instance_cache": True, "asynchronous": True})
        store = zarr.storage.FsspecStore(filesystem, read_only=True, path="")
        group = zarr.open_group(store=store, mode="r", zarr_format=2)
        return group[SERIES.lstrip("/")][start:stop]


def work(request):
    """The function one "run" times."""
    task, reader, source = request["task"], request["reader"], request["source"]
    if task == "kerchunk-index":
        return lambda: kerchunk_index(source, request["output"])
    if task == "kerchunk-window":
        return lambda: kerchunk_window(request["references"], request["start"], request["stop"])
    opener = OPENERS[reader]
    if task == "list":
        def run():
            with opener(source) as file:
                list_everything(file)
    elif task == "full":
        def run():
            with opener(source) as file:
                file[SERIES][:]
    elif task == "window":
        def run():
            with opener(source) as file:
                file[SERIES][request["start"]:request["stop"]]
    elif task == "spikes":
        def run():
            with opener(source) as file:
                spike_times(file, request["unit"])
    else:
        raise ValueError(f"unknown task {task!r}")
    return run


# The session. ------------------------------------------------------------------------------------

class Session:
    def __init__(self):
        self.stack = contextlib.ExitStack()
        self.proxy = None

    def versions(self, _):
        names = ("h5py", "remfile", "fsspec", "kerchunk", "zarr", "numpy")
        found = {name: importlib.metadata.version(name) for name in names}
        return {**found, "hdf5": h5py.version.hdf5_version, "python": platform.python_version()}

    def describe(self, request):
        with open_local(request["file"]) as file:
            samples, channels = file[SERIES].shape
            rate = float(file[RATE].attrs["rate"])
            units = len(file[SPIKE_TIMES_INDEX])
        return {"samples": samples, "channels": channels, "rate": rate, "units": units,
                "bytes": os.path.getsize(request["file"])}

    def serve(self, request):
        server = self.stack.enter_context(SeaweedFS(os.path.join(request["scratch"], "seaweed")))
        started = time.perf_counter()
        server.put(KEY, Path(request["file"]))
        uploaded = time.perf_counter() - started
        self.proxy = self.stack.enter_context(FaultProxy("127.0.0.1", server.s3_port, latency=request["latency"]))
        return {"url": server.http_url(KEY, self.proxy.address), "upload_seconds": uploaded}

    def reset(self, _):
        self.proxy.reset_statistics()
        return {}

    def statistics(self, _):
        counts = self.proxy.statistics()
        return {name: counts[name] for name in ("requests", "round_trips", "bytes")}

    def run(self, request):
        function = work(request)
        started = time.perf_counter()
        function()
        return {"seconds": time.perf_counter() - started}

    def check(self, request):
        with open_local(request["file"]) as file:
            if "npy" in request:
                expected = file[SERIES][request["start"]:request["stop"]]
                return {"equal": bool(np.array_equal(np.load(request["npy"]), expected))}
            if "raw" in request:
                expected = file[SERIES][:]
                ours = np.fromfile(request["raw"], dtype=expected.dtype.newbyteorder("<"))
                return {"equal": bool(ours.size == expected.size
                                      and np.array_equal(ours.reshape(expected.shape), expected))}
            expected = spike_times(file, request["unit"])
        with open(request["table"]) as output:
            rows = json.load(output)
        return {"equal": bool(np.array_equal(np.asarray(rows[0]["spike_times"]), expected))}

    def serve_forever(self):
        operations = {"versions": self.versions, "describe": self.describe, "serve": self.serve,
                      "reset": self.reset, "statistics": self.statistics, "run": self.run, "check": self.check}
        # Answers go to the real standard output; anything else printed goes to standard error.
        answers, sys.stdout = sys.stdout, sys.stderr
        with self.stack:
            for line in sys.stdin:
                request = json.loads(line)
                try:
                    answer = operations[request["op"]](request)
                except Exception as error:  # noqa: BLE001  (reported to the bench, which stops)
                    answer = {"error": f"{request['op']}: {type(error).__name__}: {error}"}
                print(json.dumps(answer), file=answers, flush=True)


if __name__ == "__main__":
    Session().serve_forever()
