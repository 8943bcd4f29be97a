"""Every case of the malformed corpus (corpus.py) through `nwbpeek check`, which walks the
tree, decodes every attribute and reads every stored chunk: each must end with a result or a
typed error (exit status 0 or 1, never a signal), within 2 s of CPU time and 64 MiB of
resident memory. Cases whose damage must be detected (a must-understand message, a bad
Fletcher-32, an inflation bomb) must fail, naming it.
"""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
NWBPEEK = os.environ.get("NWBPEEK", str(ROOT / ".build" / "debug" / "nwbpeek"))

CPU_SECONDS = 2.0
RESIDENT_BYTES = 64 * 1024 * 1024
# A hang is caught by this wall-clock limit (the process is killed); the CPU limit is the promise.
WALL_SECONDS = 30
# An error a person sees names where it happened: "<structure> at 0x<offset>: ...", or a
# filter's or source's own typed message.
TYPED_ERROR = re.compile(r" at 0x[0-9a-f]+: |filter|deflate|fletcher|no object at|outside|selection|chunk|exceeds|cannot open")

CASES = list(corpus.cases())


def run_case(case, directory):
    """Runs `nwbpeek check` on the case: (exit status or -signal, stdout, stderr, CPU seconds,
    peak resident bytes). GNU time measures the child: a child forked from this large Python
    process would report the parent's resident size as its own peak."""
    directory = Path(directory)
    path = directory / "case.h5"
    path.write_bytes(case.data)
    # Datasets with external storage name their files relative to the HDF5 file.
    for external in corpus.FIXTURES.glob("external_*.bin"):
        (directory / external.name).write_bytes(external.read_bytes())
    usage = directory / "usage"
    command = ["/usr/bin/time", "-q", "-o", str(usage), "-f", "%x %U %S %M", NWBPEEK, "check", str(path)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=WALL_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"{case.name}: still running after {WALL_SECONDS} s")
    fields = usage.read_text().split()
    if fields[0] == "Command":  # "Command terminated by signal N"
        status = -int(fields[-1])
        fields = usage.read_text().splitlines()[-1].split()
    else:
        status = int(fields[0])
    cpu = float(fields[1]) + float(fields[2])
    return status, stdout.decode(errors="replace"), stderr.decode(errors="replace"), cpu, int(fields[3]) * 1024


def test_corpus_is_large_enough():
    kinds = {case.kind for case in CASES}
    assert len(CASES) >= 600, len(CASES)
    assert kinds == {"truncate", "checksum-flip", "flip", "patch", "fan-out", "chunk"}, kinds


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_case_gives_result_or_typed_error(case, tmp_path):
    status, stdout, stderr, cpu, resident = run_case(case, tmp_path)
    assert status in (0, 1), f"{case.name}: exit status {status}\n{stderr[-2000:]}"
    assert cpu <= CPU_SECONDS, f"{case.name}: {cpu:.2f} s of CPU"
    assert resident <= RESIDENT_BYTES, f"{case.name}: {resident // 1024} KiB resident"
    if status == 1:
        problems = [line for line in stderr.splitlines() if not line.endswith("not checked: a virtual dataset: its data is that of its source datasets")]
        assert problems, f"{case.name}: failed without saying why"
        for line in problems:
            assert TYPED_ERROR.search(line), f"{case.name}: untyped error: {line}"
    else:
        assert "no problems" in stdout, f"{case.name}: {stdout}"
    if case.expect == "error":
        assert status == 1, f"{case.name}: damage not detected\n{stdout}"
        for word in case.mentions:
            assert word in stderr.lower(), f"{case.name}: error does not mention {word}: {stderr}"
