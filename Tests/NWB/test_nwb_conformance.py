"""Conformance of the NWB commands with pynwb 4.2 (pynwb_oracle.py) on the NWB fixtures,
earliest and latest libver: `nwbpeek info --json` gives pynwb's session, subject, devices,
electrode groups, series and tables; `nwbpeek table --format json` every row of every table
(ragged, doubly ragged and region cells included) and every unit's spike times;
`nwbpeek cat --time` the same window of samples as pynwb's timestamps select.

nwbpeek is taken from the NWBPEEK environment variable (default .build/debug/nwbpeek);
NWB_EXTRA_DIR adds the NWB files of a directory to the files compared.
"""

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FIXTURES = ROOT / "TestData" / "fixtures"
NWBPEEK = Path(os.environ.get("NWBPEEK", ".build/debug/nwbpeek"))
if not NWBPEEK.is_absolute():
    NWBPEEK = ROOT / NWBPEEK

sys.path.insert(0, str(HERE))
import pynwb_oracle  # noqa: E402

# NWB_EXTRA_DIR names a directory of more NWB files to compare (e.g. pynwb's tests/back_compat).
EXTRA = Path(os.environ["NWB_EXTRA_DIR"]) if os.environ.get("NWB_EXTRA_DIR") else None
FILES = [pytest.param(path, id=path.name) for path in sorted(FIXTURES.glob("*.nwb"))] + \
    ([pytest.param(path, id="extra/" + path.name) for path in sorted(EXTRA.glob("*.nwb"))] if EXTRA else [])


def nwbpeek(*arguments):
    if not NWBPEEK.is_file():
        pytest.fail(f"no nwbpeek binary at {NWBPEEK}: build it (make build) or set NWBPEEK")
    result = subprocess.run([str(NWBPEEK), *map(str, arguments)], capture_output=True, text=True, timeout=300,
                            stdin=subprocess.DEVNULL, env={**os.environ, "NO_COLOR": "1"})
    assert result.returncode == 0, f"nwbpeek {' '.join(map(str, arguments))} failed: {result.stderr}"
    return result.stdout


def nwbpeek_json(*arguments):
    return json.loads(nwbpeek(*arguments))


@functools.cache
def expected(path):
    return pynwb_oracle.oracle(str(path))


@pytest.mark.parametrize("path", FILES)
def test_info_gives_pynwb_session_subject_devices_series_and_tables(path):
    info = nwbpeek_json("info", "--json", path)
    oracle = expected(path)
    for key in ("nwb_version", "identifier", "session_description"):
        assert info[key] == oracle[key], key
    assert info["session_start_time"] == oracle["session_start_time"]
    assert {name: info["subject"][name] for name in oracle["subject"]} == oracle["subject"]
    assert [{key: device[key] for key in ("path", "description", "manufacturer")} for device in info["devices"]] \
        == sorted(oracle["devices"], key=lambda device: device["path"])
    assert info["electrode_groups"] == sorted(oracle["electrode_groups"], key=lambda group: group["path"])
    assert [(series["path"], series["type"], series["shape"], series["unit"], series["rate"], series["timestamps"])
            for series in info["time_series"]] == \
        [(series["path"], series["type"], series["shape"], series["unit"], series["rate"], series["timestamps"])
         for series in oracle["time_series"]]
    for series, expected_series in zip(info["time_series"], oracle["time_series"]):
        everything = expected_series["windows"][-1]["timestamps"]
        assert (series["start_time"], series["end_time"]) == (everything[0], everything[-1]), series["path"]
    assert [(table["path"], table["type"], table["rows"], table["columns"]) for table in info["tables"]] == \
        [(table["path"], table["type"], len(table["ids"]), table["colnames"]) for table in oracle["tables"]]


@pytest.mark.parametrize("path", FILES)
def test_table_gives_every_row_of_every_table_as_pynwb(path):
    for table in expected(path)["tables"]:
        rows = nwbpeek_json("table", path, table["path"], "--format", "json")
        assert rows == table["rows"], table["path"]


@pytest.mark.parametrize("path", FILES)
def test_table_selects_columns_and_rows(path):
    for table in expected(path)["tables"]:
        if len(table["ids"]) < 3:
            continue
        columns = table["colnames"][::-1][:2]
        rows = nwbpeek_json("table", path, table["path"], "--format", "json", "--rows", "1:3",
                            "--columns", ",".join(columns))
        assert rows == [{"id": row["id"], **{name: row[name] for name in columns}} for row in table["rows"][1:3]]


@pytest.mark.parametrize("path", FILES)
def test_spike_times_of_each_unit_are_pynwbs(path):
    oracle = expected(path)
    if not oracle["spike_times"]:
        pytest.skip("no units table")
    rows = nwbpeek_json("table", path, "/units", "--columns", "spike_times", "--format", "json")
    assert [row["spike_times"] for row in rows] == oracle["spike_times"]
    for unit in (0, len(oracle["spike_times"]) - 1):
        row = nwbpeek_json("table", path, "/units", "--columns", "spike_times", "--format", "json",
                           "--rows", f"{unit}:{unit + 1}")
        assert row[0]["spike_times"] == oracle["spike_times"][unit]


def same_samples(actual, expected, dtype):
    """nwbpeek writes a float32 with the fewest digits that read back as that float32; pynwb's
    lists hold it widened to float64: compare float32 data as float32."""
    if dtype != "float32":
        return actual == expected
    import numpy as np

    actual, expected = np.asarray(actual, dtype=np.float32), np.asarray(expected, dtype=np.float32)
    return actual.shape == expected.shape and np.array_equal(actual, expected, equal_nan=True)


@pytest.mark.parametrize("path", FILES)
def test_cat_time_reads_the_window_pynwb_timestamps_select(path):
    dtypes = {series["path"]: series["dtype"] for series in nwbpeek_json("info", "--json", path)["time_series"]}
    for series in expected(path)["time_series"]:
        for index, window in enumerate(series["windows"]):
            start, stop = window["time"]
            # The series path and its data path both work.
            target = series["path"] if index % 2 else series["path"] + "/data"
            values = nwbpeek_json("cat", path, target, f"--time={start!r}:{stop!r}", "--format", "json")
            assert same_samples(values, window["data"], dtypes[series["path"]]), \
                (series["path"], window["time"], window["samples"])


@pytest.mark.parametrize("path", FILES[:1])
def test_cat_time_with_slice_selects_channels_within_samples(path):
    series = next(series for series in expected(path)["time_series"] if len(series["shape"]) == 2)
    window = series["windows"][2]
    start, stop = window["time"]
    values = nwbpeek_json("cat", path, series["path"], f"--time={start!r}:{stop!r}", "--slice", "1:3",
                          "--format", "json")
    assert values == [row[1:3] for row in window["data"]]


def test_a_missing_path_suggests_the_closest():
    result = subprocess.run([str(NWBPEEK), "table", str(FIXTURES / "sample.nwb"), "/unit"], capture_output=True,
                            text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode != 0
    assert "did you mean /units" in result.stderr


def test_piped_output_has_no_escape_codes():
    for arguments in (["info"], ["table", "/units"], ["ls", "-r"]):
        result = subprocess.run([str(NWBPEEK), arguments[0], str(FIXTURES / "sample.nwb"), *arguments[1:]],
                                capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout and "\x1b" not in result.stderr


def listing(*arguments):
    return [json.loads(line) for line in nwbpeek("ls", "--json", *arguments).splitlines()]


@pytest.mark.parametrize("path", FILES[:2])
def test_ls_depth_keeps_the_levels_asked_for(path):
    everything = listing("--recursive", path)
    assert listing("--depth", "1", path) == listing(path)
    two = listing("--depth", "2", path)
    assert two == [entry for entry in everything if entry["path"].count("/") <= 2 and entry["path"] != "/"
                   or entry["path"] == "/"]
    assert listing("--depth", "0", path) == everything[:1]


@pytest.mark.parametrize("path", FILES[:2])
def test_ls_match_keeps_the_matching_paths_of_the_listing(path):
    import fnmatch

    everything = listing("--recursive", path)
    for pattern in ("*_index", "/units/*", "/acquisition/*/data", "*electrodes*"):
        kept = listing("--recursive", "--match", pattern, path)
        assert kept == [entry for entry in everything if fnmatch.fnmatchcase(entry["path"], pattern)], pattern
        assert kept
    text = nwbpeek("ls", "--recursive", "--match", "*_index", path)
    assert [line.split()[0] for line in text.splitlines()] == [entry["path"] for entry in listing(
        "--recursive", "--match", "*_index", path)]


@pytest.mark.parametrize("path", FILES)
def test_table_csv_and_text_hold_every_row(path):
    for table in expected(path)["tables"]:
        csv_lines = nwbpeek("table", path, table["path"], "--format", "csv").splitlines()
        assert csv_lines[0].split(",") == ["id", *table["colnames"]]
        text_lines = nwbpeek("table", path, table["path"]).splitlines()
        assert [line.split()[0] for line in text_lines[1:]] == [str(row["id"]) for row in table["rows"]]
        assert len(csv_lines) == len(text_lines) == len(table["rows"]) + 1


def test_ragged_cells_are_summarised_in_text_by_count_and_first_values():
    path = FIXTURES / "sample.nwb"
    spike_times = expected(path)["spike_times"]
    lines = nwbpeek("table", path, "/units", "--columns", "spike_times").splitlines()[1:]
    for line, times in zip(lines, spike_times):
        shown = ", ".join(repr(time) for time in times[:3]) + (", …" if len(times) > 3 else "")
        assert line.split(None, 1)[1].strip() == f"[{len(times)}] {shown}"


def run_with_terminal_stderr(arguments, output):
    """Runs nwbpeek with standard error on a pseudo-terminal and standard output into `output`;
    returns what the terminal received."""
    import pty

    master, slave = pty.openpty()
    with open(output, "wb") as out:
        process = subprocess.Popen([str(NWBPEEK), *map(str, arguments)], stdout=out, stderr=slave,
                                   stdin=subprocess.DEVNULL)
        os.close(slave)
        received = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal closes when the process ends
                break
            if not chunk:
                break
            received += chunk
        assert process.wait(timeout=300) == 0, received.decode(errors="replace")
    os.close(master)
    return received


def test_large_reads_on_a_terminal_are_read_in_blocks_with_the_same_bytes(tmp_path):
    import h5py
    import numpy as np

    path = tmp_path / "large.h5"
    # 77 MB of float64: reads of more than 32 MiB go in blocks of rows when stderr is a terminal.
    with h5py.File(path, "w") as file:
        file.create_dataset("data", data=np.arange(300_000 * 32, dtype="<f8").reshape(300_000, 32),
                            chunks=(5000, 32), compression="gzip", compression_opts=1)
    for selection, output_format in (("", "raw"), ("1::2,3:", "npy")):
        arguments = ["cat", path, "/data", "--format", output_format, "--slice", selection]
        piped = subprocess.run([str(NWBPEEK), *map(str, arguments)], capture_output=True, timeout=300,
                               stdin=subprocess.DEVNULL)
        assert piped.returncode == 0 and piped.stderr == b""
        received = run_with_terminal_stderr(arguments, tmp_path / "terminal.out")
        assert (tmp_path / "terminal.out").read_bytes() == piped.stdout, (selection, output_format)
        # Whatever was drawn was erased at the end.
        assert received == b"" or received.endswith(b"\r\x1b[K")


def test_large_text_reads_on_a_terminal_come_in_blocks_in_order(tmp_path):
    import h5py
    import numpy as np

    path = tmp_path / "strings.h5"
    # 41 MB of 1 KiB fixed strings, each short: over 32 MiB, read in 50 blocks read several at a
    # time when stderr is a terminal, and a small JSON whatever the blocks' order of arrival.
    with h5py.File(path, "w") as file:
        file.create_dataset("names", data=np.array([b"%d" % i for i in range(40_000)], dtype="S1024"),
                            chunks=(500,), compression="gzip")
    arguments = ["cat", path, "/names", "--format", "json"]
    received = run_with_terminal_stderr(arguments, tmp_path / "terminal.out")
    assert json.loads((tmp_path / "terminal.out").read_text()) == [str(i) for i in range(40_000)]
    assert received == b"" or received.endswith(b"\r\x1b[K")
