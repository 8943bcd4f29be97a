"""Conformance of `nwbpeek ls --recursive --json` with libhdf5, as h5py sees it (oracle.py).

Every HDF5 file of ../shared/testdata/ and TestData/fixtures/ is listed by the built binary
(path from the NWBPEEK environment variable, default .build/debug/nwbpeek) and by the oracle;
both must give the same entries (README.md's `--json` contract), in the same order.

Values the oracle cannot decode (h5py's {"__error__": ...}) are not judged: they are reported
as warnings in pytest's summary. Files listed in known_gaps.txt are expected to fail.
"""

import functools
import json
import math
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import oracle  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "testdata"
FIXTURES = ROOT / "TestData" / "fixtures"
NWBPEEK = Path(os.environ.get("NWBPEEK", ".build/debug/nwbpeek"))
if not NWBPEEK.is_absolute():
    NWBPEEK = ROOT / NWBPEEK
HDF5_SUFFIXES = {".h5", ".hdf5", ".nwb"}
SHOWN_DIFFERENCES = 5
SHOWN_CHARACTERS = 300


def conformance_files():
    shared = sorted(path for path in SHARED.rglob("*") if path.suffix in {".h5", ".hdf5"}) if SHARED.is_dir() else []
    fixtures = sorted(path for path in FIXTURES.iterdir() if path.suffix in HDF5_SUFFIXES)
    return shared + fixtures


def file_id(path):
    for base, label in ((SHARED, "shared"), (FIXTURES, "fixtures")):
        if path.is_relative_to(base):
            return f"{label}/{path.relative_to(base)}"
    return str(path)


def known_gaps():
    """known_gaps.txt: files nwbpeek is known not to list yet, each with the reason. Their
    tests are expected to fail (strict: once one passes, its line must go)."""
    gaps = {}
    for line in (Path(__file__).resolve().parent / "known_gaps.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, reason = line.partition(" ")
            gaps[name] = reason.strip() or "known gap"
    return gaps


KNOWN_GAPS = known_gaps()


FILES = [pytest.param(path, id=file_id(path)) for path in conformance_files()]
FILES_WITH_KNOWN_GAPS = [
    pytest.param(path, id=file_id(path), marks=[pytest.mark.xfail(reason=KNOWN_GAPS[file_id(path)], strict=True)]
                 if file_id(path) in KNOWN_GAPS else [])
    for path in conformance_files()]


def run_nwbpeek(*arguments):
    if not NWBPEEK.is_file():
        pytest.fail(f"no nwbpeek binary at {NWBPEEK}: build it (make build) or set NWBPEEK")
    return subprocess.run([str(NWBPEEK), *arguments], capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)


@functools.lru_cache(maxsize=None)
def nwbpeek_output(path):
    """nwbpeek's entries for `path`, and what went wrong (None when nothing did)."""
    result = run_nwbpeek("ls", "--recursive", "--json", str(path))
    if result.returncode != 0:
        return [], f"nwbpeek exited with {result.returncode} on {path}:\n{result.stderr.strip()[:2000]}"
    entries = []
    for number, line in enumerate(result.stdout.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError as error:
            return [], f"line {number} of nwbpeek's output is not JSON ({error}): {line[:SHOWN_CHARACTERS]}"
    return entries, None


def nwbpeek_listing(path):
    entries, failure = nwbpeek_output(path)
    if failure:
        pytest.fail(failure, pytrace=False)
    return entries


@functools.lru_cache(maxsize=None)
def oracle_listing(path):
    try:
        return oracle.listing(path)
    except oracle.OracleError as error:
        pytest.skip(str(error))


# Comparison ----------------------------------------------------------------------------------


def is_oracle_error(value):
    return isinstance(value, dict) and set(value) == {"__error__"}


def same(ours, expected, location, unjudged):
    """README's equality: JSON values compared as parsed, ints and floats by value, booleans
    only with booleans, -0.0 apart from 0.0. Oracle errors are noted in `unjudged`, not judged."""
    if is_oracle_error(expected):
        unjudged.append(f"{location}: h5py could not decode it ({expected['__error__']})")
        return True
    if isinstance(ours, bool) or isinstance(expected, bool):
        return isinstance(ours, bool) and isinstance(expected, bool) and ours == expected
    if isinstance(ours, (int, float)) and isinstance(expected, (int, float)):
        if ours != expected:
            return False
        if isinstance(ours, float) and isinstance(expected, float) and ours == 0:
            return math.copysign(1, ours) == math.copysign(1, expected)
        return True
    if isinstance(ours, list) and isinstance(expected, list):
        return len(ours) == len(expected) and all(
            same(mine, theirs, f"{location}[{index}]", unjudged)
            for index, (mine, theirs) in enumerate(zip(ours, expected)))
    if isinstance(ours, dict) and isinstance(expected, dict):
        return ours.keys() == expected.keys() and all(
            same(ours[key], expected[key], f"{location}.{key}", unjudged) for key in expected)
    return type(ours) is type(expected) and ours == expected


def shown(value):
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS] + "…"


def describe_difference(ours, expected):
    """The keys (and attributes) of one entry where nwbpeek and h5py differ, one per line."""
    lines = []
    for key in sorted(set(ours) | set(expected)):
        mine, theirs = ours.get(key, "<absent>"), expected.get(key, "<absent>")
        if key == "attributes" and isinstance(mine, dict) and isinstance(theirs, dict):
            for name in sorted(set(mine) | set(theirs)):
                value, reference = mine.get(name, "<absent>"), theirs.get(name, "<absent>")
                if not same(value, reference, name, []):
                    lines.append(f"    attribute {name!r}:\n      nwbpeek: {shown(value)}\n      h5py:    {shown(reference)}")
        elif not same(mine, theirs, key, []):
            lines.append(f"    {key}:\n      nwbpeek: {shown(mine)}\n      h5py:    {shown(theirs)}")
    return "\n".join(lines)


# Tests ---------------------------------------------------------------------------------------


def test_shared_conformance_files_are_present():
    if not SHARED.is_dir():
        pytest.skip(f"no {SHARED}: only TestData/fixtures are compared")


@pytest.mark.parametrize("path", FILES_WITH_KNOWN_GAPS)
def test_listing_matches_h5py(path):
    expected = oracle_listing(path)
    ours = nwbpeek_listing(path)
    ours_by_path = {}
    duplicated = []
    for entry in ours:
        key = entry.get("path")
        if key in ours_by_path:
            duplicated.append(key)
        ours_by_path[key] = entry
    expected_by_path = {entry["path"]: entry for entry in expected}

    problems = []
    if duplicated:
        problems.append(f"listed more than once: {duplicated[:SHOWN_DIFFERENCES]}")
    missing = [key for key in expected_by_path if key not in ours_by_path]
    extra = [key for key in ours_by_path if key not in expected_by_path]
    if missing:
        problems.append(f"{len(missing)} paths h5py lists but nwbpeek does not: {missing[:SHOWN_DIFFERENCES]}")
    if extra:
        problems.append(f"{len(extra)} paths nwbpeek lists but h5py does not: {extra[:SHOWN_DIFFERENCES]}")

    unjudged = []
    differing = [key for key, entry in expected_by_path.items()
                 if key in ours_by_path and not same(ours_by_path[key], entry, key, unjudged)]
    if differing:
        problems.append(f"{len(differing)} of {len(expected)} entries differ; the first ones:")
        for key in differing[:SHOWN_DIFFERENCES]:
            problems.append(f"  {key}\n{describe_difference(ours_by_path[key], expected_by_path[key])}")
    for note in unjudged:
        warnings.warn(f"{file_id(path)}: {note}", stacklevel=1)
    if problems:
        pytest.fail(f"{file_id(path)}:\n" + "\n".join(problems), pytrace=False)


@pytest.mark.parametrize("path", FILES)
def test_listing_order_is_depth_first_by_name_bytes(path):
    expected = [entry["path"] for entry in oracle_listing(path)]
    entries, failure = nwbpeek_output(path)
    if failure:
        pytest.skip("nwbpeek failed (test_listing_matches_h5py reports how)")
    ours = [entry.get("path") for entry in entries]
    if sorted(map(str, ours)) != sorted(expected):
        pytest.skip("the paths differ (test_listing_matches_h5py reports how)")
    first = next(index for index, (mine, theirs) in enumerate(zip(ours, expected)) if mine != theirs) \
        if ours != expected else None
    if first is not None:
        pytest.fail(f"{file_id(path)}: order differs from entry {first} on:\n"
                    f"  nwbpeek: {ours[first:first + SHOWN_DIFFERENCES]}\n"
                    f"  h5py:    {expected[first:first + SHOWN_DIFFERENCES]}", pytrace=False)


def not_hdf5(directory):
    path = directory / "not_hdf5.txt"
    path.write_text("This is a text file, not an HDF5 file.\n" * 20)
    return path


def empty(directory):
    path = directory / "empty.h5"
    path.write_bytes(b"")
    return path


def truncated(directory):
    path = directory / "truncated.nwb"
    path.write_bytes((FIXTURES / "sample.nwb").read_bytes()[:600])
    return path


def missing(directory):
    return directory / "no_such_file.h5"


@pytest.mark.parametrize("make", [not_hdf5, empty, truncated, missing], ids=lambda make: make.__name__)
def test_unreadable_input_exits_non_zero_with_a_message(make, tmp_path):
    path = make(tmp_path)
    result = run_nwbpeek("ls", "--recursive", "--json", str(path))
    assert result.returncode > 0, f"exit status {result.returncode} (negative: killed by a signal)"
    message = result.stderr.strip()
    assert message, "nothing on standard error"
    assert "Fatal error" not in message and "Stack dump" not in message, f"a crash, not a message:\n{message}"
