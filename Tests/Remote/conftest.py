"""Session fixtures of the remote tests: one SeaweedFS on loopback holding the fixtures and a few
conformance files, and one fault proxy in front of it (no latency, no faults unless a test asks
with `proxy.using(...)`)."""

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fault_proxy import FaultProxy  # noqa: E402
from remote_files import external_data_files, files_to_upload  # noqa: E402
from seaweed import SeaweedFS  # noqa: E402


@dataclass
class Uploaded:
    server: SeaweedFS
    objects: dict  # key -> the local file uploaded as it

    def local(self, key):
        return self.objects[key]


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
