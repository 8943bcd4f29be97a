"""`nwbpeek cat --format npy|raw` writes a large selection in blocks of rows as it reads them
(StreamedRead.swift: blocks of 16 MiB or more, cut at multiples of the chunks' first dimension).
Selections over several blocks, of chunked and contiguous datasets, with steps, offsets and
indexed dimensions, must give h5py's values byte for byte, whatever the block cuts.
"""

import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_ls_conformance import NWBPEEK  # noqa: E402

# 46 MB chunked (gzip + shuffle, chunks of 7000 x 64: blocks are cut at multiples of 7000 rows)
# and 24 MB contiguous: both span several blocks.
SHAPES = {"chunked": (60000, 384), "contiguous": (20000, 300)}
SELECTIONS = ["", "1234:55555:3", "-100:", "5", "::7,10:20", "17:59990,3"]


@pytest.fixture(scope="module")
def large_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("streamed") / "large.h5"
    rng = np.random.default_rng(7)
    with h5py.File(path, "w", libver="earliest") as file:
        file.create_dataset("chunked", data=rng.integers(-2000, 2000, SHAPES["chunked"], dtype="<i2"),
                            chunks=(7000, 64), compression="gzip", compression_opts=1, shuffle=True)
        file.create_dataset("contiguous", data=rng.standard_normal(SHAPES["contiguous"]).astype("<f4"))
    return path


def h5py_selection(text, ndim):
    parts = []
    for part in (text.split(",") if text else []):
        if ":" in part:
            fields = [int(field) if field else None for field in part.split(":")]
            parts.append(slice(*fields))
        else:
            parts.append(int(part))
    return tuple(parts) + (slice(None),) * (ndim - len(parts))


@pytest.mark.parametrize("name", sorted(SHAPES))
@pytest.mark.parametrize("selection", SELECTIONS)
def test_streamed_npy_equals_h5py(large_file, tmp_path, name, selection):
    output = tmp_path / "out.npy"
    command = [str(NWBPEEK), "cat", str(large_file), "/" + name, "--format", "npy", "-o", str(output)]
    if selection:
        command.append("--slice=" + selection)
    subprocess.run(command, check=True, capture_output=True)
    with h5py.File(large_file) as file:
        expected = file[name][h5py_selection(selection, 2)]
    found = np.load(output)
    assert found.dtype == expected.dtype
    assert found.shape == expected.shape
    assert np.array_equal(found, expected)


def test_streamed_raw_to_standard_output_equals_h5py(large_file):
    result = subprocess.run([str(NWBPEEK), "cat", str(large_file), "/chunked", "--format", "raw",
                             "--slice", "100:50000:2"], check=True, capture_output=True)
    with h5py.File(large_file) as file:
        expected = file["chunked"][100:50000:2]
    assert result.stdout == expected.astype("<i2").tobytes()


@pytest.fixture
def broken(large_file, tmp_path):
    """The large file with the chunked dataset's first chunk corrupted: its zlib stream fails to
    decode."""
    path = tmp_path / "broken.h5"
    data = bytearray(large_file.read_bytes())
    with h5py.File(large_file) as file:
        offset = file["chunked"].id.get_chunk_info(0).byte_offset
    data[offset + 100:offset + 200] = bytes(100)
    path.write_bytes(bytes(data))
    return path


def test_a_failed_read_leaves_no_output_file(broken, tmp_path):
    output = tmp_path / "out.npy"
    result = subprocess.run([str(NWBPEEK), "cat", str(broken), "/chunked", "--format", "npy", "-o", str(output)],
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "deflate" in result.stderr
    assert not output.exists()


def test_a_failed_read_into_a_pipe_leaves_the_pipe(broken, tmp_path):
    # Only a regular file is removed after a failed read: `-o /dev/null` once removed /dev/null.
    # A named pipe stands for the devices here.
    import stat
    import threading

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    drained = []
    reader = threading.Thread(target=lambda: drained.append(len(pipe.read_bytes())))
    reader.start()
    result = subprocess.run([str(NWBPEEK), "cat", str(broken), "/chunked", "--format", "npy", "-o", str(pipe)],
                            capture_output=True, text=True, timeout=120)
    reader.join(timeout=60)
    assert result.returncode != 0 and "deflate" in result.stderr, result.stderr
    assert stat.S_ISFIFO(os.stat(pipe).st_mode)


def test_a_large_output_file_is_written_past_the_page_cache(large_file, tmp_path):
    # Outputs of several blocks are written with O_DIRECT (OutputFile.swift) in whole pages, the
    # last padded and cut: the file has h5py's bytes, and few of its pages are left in the cache.
    output = tmp_path / "out.raw"
    try:
        os.close(os.open(tmp_path / "probe", os.O_WRONLY | os.O_CREAT | os.O_DIRECT))
    except OSError as error:
        pytest.skip(f"the file system under {tmp_path} has no direct I/O ({error.strerror})")
    subprocess.run([str(NWBPEEK), "cat", str(large_file), "/chunked", "--format", "raw", "--slice", "3:59999:2,1:383",
                    "-o", str(output)], check=True, capture_output=True)
    with h5py.File(large_file) as file:
        expected = file["chunked"][3:59999:2, 1:383].astype("<i2").tobytes()
    assert len(expected) > 16 << 20 and len(expected) % 4096 != 0, "several blocks, the last page a partial one"
    # Before reading the file back, which brings it into the cache.
    resident = subprocess.run(["fincore", "--bytes", "--noheadings", "--output", "RES", str(output)],
                              check=True, capture_output=True, text=True).stdout
    assert int(resident) < len(expected) // 10, f"{resident.strip()} of {len(expected)} bytes in the page cache"
    assert output.read_bytes() == expected
