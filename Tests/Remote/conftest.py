"""Session fixtures of the remote tests: one SeaweedFS on loopback holding the fixtures and a few
conformance files, and one fault proxy in front of it (no latency, no faults unless a test asks
with `proxy.using(...)`)."""

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fault_proxy import FaultProxy  # noqa: E402
from seaweed import SeaweedFS  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "TestData" / "fixtures"
SHARED = ROOT.parent / "shared" / "testdata"
# A few conformance files of other readers, each exercising something the fixtures do less:
# jhdf's reference file, deflate over v1 B-trees, paged fixed arrays, a large v2 group, vlen strings.
SHARED_FILES = ["jhdf/test_file.hdf5", "jhdf/test_compressed_chunked_datasets_earliest.hdf5",
                "jhdf/fixed_array_paged_datasets.hdf5", "jhdf/test_large_group_latest.hdf5",
                "h5py/vlen_string_dset.h5"]


@dataclass
class Uploaded:
    server: SeaweedFS
    objects: dict  # key -> the local file uploaded as it

    def local(self, key):
        return self.objects[key]


def files_to_upload():
    """The HDF5 files the tests read remotely, by key."""
    files = {f"fixtures/{path.name}": path for path in sorted(FIXTURES.iterdir()) if path.suffix in (".h5", ".nwb")}
    for name in SHARED_FILES:
        if (SHARED / name).is_file():
            files[f"shared/{name}"] = SHARED / name
    return files


def external_data_files():
    """The fixtures' external raw data files (layouts_*.h5 refer to them by relative name),
    uploaded beside them so that a reader resolving them against the URL finds them."""
    return {f"fixtures/{path.name}": path for path in sorted(FIXTURES.glob("external_*.bin"))}


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory):
    """SeaweedFS with every file of files_to_upload() in its bucket; stopped at the session's end,
    whatever happened."""
    server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs"))
    with server:
        objects = files_to_upload()
        for key, path in {**objects, **external_data_files()}.items():
            server.put(key, path)
        yield Uploaded(server, objects)


@pytest.fixture(scope="session")
def proxy(seaweed):
    """The fault proxy in front of `seaweed`; tests set scenario and latency with `proxy.using`."""
    with FaultProxy("127.0.0.1", seaweed.server.s3_port, latency=0) as running:
        yield running


@pytest.fixture
def scratch_key(seaweed, request):
    """A key of this test's own, deleted afterwards (for tests that replace objects)."""
    key = f"scratch/{request.node.name}.h5"
    yield key
    seaweed.server.delete(key)
