#!/usr/bin/env python3
"""What pynwb reads from an NWB file, as JSON: the oracle of Tests/NWB and Tests/NWBTests.

Prints one JSON object: the session metadata, every TimeSeries (with windows of samples for a
few time ranges), every DynamicTable (ids and every cell), and the spike times of every unit.
Everything is read through pynwb's API (`get_unit_spike_times`, `get_timestamps`,
`get_data_in_units`, `table[column][row]`); paths are those of the builders pynwb read.

Usage: python3 Tests/NWB/pynwb_oracle.py [--floats-as-text] FILE.nwb

With --floats-as-text every float is written as the text of its shortest repr (as nwbpeek
writes it), for readers whose JSON parser does not round decimal text exactly.
"""

import json
import math
import sys
import warnings

import numpy as np


def path_of(io, container):
    builder = io.manager.get_builder(container)
    return "/" + builder.path.split("/", 1)[1] if "/" in builder.path else "/"


def plain(io, value):
    """A pynwb value as JSON: numbers, strings, lists; a container as its path."""
    from hdmf.container import AbstractContainer

    if isinstance(value, AbstractContainer):
        return path_of(io, value)
    if isinstance(value, np.ndarray):
        return [plain(io, item) for item in value.tolist()] if value.dtype != object else [plain(io, v) for v in value]
    if isinstance(value, (list, tuple)):
        return [plain(io, item) for item in value]
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def cell(io, table, column, row):
    """One cell through pynwb's table API; a region's cells as the row positions they hold."""
    from hdmf.common import DynamicTableRegion, VectorIndex

    vector = table[column]
    target = vector
    while isinstance(target, VectorIndex):
        target = target.target
    if isinstance(target, DynamicTableRegion):
        return plain(io, vector.get(row, index=True))
    return plain(io, vector[row])


def windows(timestamps):
    """Time ranges to read: before the start, across the start, inside, on exact sample times,
    past the end, and everything."""
    first, last = float(timestamps[0]), float(timestamps[-1])
    span = last - first
    count = len(timestamps)
    exact = (float(timestamps[min(5, count - 1)]), float(timestamps[min(17, count - 1)]))
    return [
        (first - 10.0, first - 1.0),
        (first - 1.0, first + span * 0.01),
        (first + span * 0.37, first + span * 0.41),
        exact,
        (last + 1.0, last + 2.0),
        (first - 1.0, last + 1.0),
    ]


def series_json(io, series):
    timestamps = np.asarray(series.get_timestamps())
    data = series.data
    physical = series.get_data_in_units()
    result = {
        "path": path_of(io, series),
        "type": type(series).__name__,
        "shape": list(data.shape),
        "unit": series.unit,
        "conversion": series.conversion,
        "offset": series.offset,
        "rate": series.rate,
        "starting_time": series.starting_time,
        "timestamps": None if series.timestamps is None else len(series.timestamps),
        "windows": [],
    }
    if getattr(series, "electrodes", None) is not None:
        result["electrodes"] = {"table": path_of(io, series.electrodes.table),
                                "rows": plain(io, series.electrodes.data[:])}
    for start, stop in windows(timestamps) if len(timestamps) else []:
        selected = np.nonzero((timestamps >= start) & (timestamps < stop))[0]
        first, end = (int(selected[0]), int(selected[-1]) + 1) if len(selected) else (0, 0)
        if not len(selected):
            first = end = int(np.searchsorted(timestamps, start, side="left"))
        result["windows"].append({
            "time": [start, stop],
            "samples": [first, end],
            "data": plain(io, data[first:end]),
            "physical": plain(io, physical[first:end]),
            "timestamps": plain(io, timestamps[first:end]),
        })
    return result


def table_json(io, table):
    rows = len(table)
    return {
        "path": path_of(io, table),
        "type": type(table).__name__,
        "description": table.description,
        "colnames": list(table.colnames),
        "descriptions": {name: _data_of(table[name]).description for name in table.colnames},
        "ids": plain(io, table.id.data[:]),
        "rows": [{"id": plain(io, table.id.data[row]),
                  **{name: cell(io, table, name, row) for name in table.colnames}} for row in range(rows)],
    }


def _data_of(vector):
    from hdmf.common import VectorIndex

    while isinstance(vector, VectorIndex):
        vector = vector.target
    return vector


def oracle(path):
    from hdmf.common import DynamicTable
    from pynwb import NWBHDF5IO, TimeSeries

    warnings.filterwarnings("ignore")
    with NWBHDF5IO(path, "r") as io:
        nwb = io.read()
        subject = nwb.subject
        subject_fields = {}
        if subject is not None:
            for name in ("subject_id", "species", "sex", "age", "description", "genotype", "strain", "weight"):
                value = getattr(subject, name, None)
                if value is not None:
                    subject_fields[name] = value
        containers = sorted(nwb.objects.values(), key=lambda container: path_of(io, container))
        result = {
            "nwb_version": io.nwb_version[0],
            "identifier": nwb.identifier,
            "session_description": nwb.session_description,
            "session_start_time": nwb.session_start_time.isoformat(),
            "subject": subject_fields,
            "devices": [{"path": path_of(io, device), "description": device.description,
                         "manufacturer": device.manufacturer} for device in nwb.devices.values()],
            "electrode_groups": [{"path": path_of(io, group), "description": group.description,
                                  "location": group.location, "device": path_of(io, group.device)}
                                 for group in nwb.electrode_groups.values()],
            "time_series": [series_json(io, container) for container in containers
                            if isinstance(container, TimeSeries)],
            "tables": [table_json(io, container) for container in containers if isinstance(container, DynamicTable)],
            "spike_times": [] if nwb.units is None else
            [plain(io, nwb.units.get_unit_spike_times(unit)) for unit in range(len(nwb.units))],
        }
    return result


def floats_as_text(value):
    if isinstance(value, float):
        return repr(float(value))
    if isinstance(value, list):
        return [floats_as_text(item) for item in value]
    if isinstance(value, dict):
        return {key: floats_as_text(item) for key, item in value.items()}
    return value


if __name__ == "__main__":
    arguments = sys.argv[1:]
    textual = "--floats-as-text" in arguments
    result = oracle([argument for argument in arguments if argument != "--floats-as-text"][0])
    json.dump(floats_as_text(result) if textual else result, sys.stdout)
    print()
