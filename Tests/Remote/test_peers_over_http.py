"""The harness carries a real reader: h5py over remfile and over fsspec's HTTPFileSystem read files
from SeaweedFS, directly and through the proxy with latency, and see what h5py sees locally."""

import fsspec
import h5py
import pytest
import remfile

from values import everything

FILES = ["fixtures/sample.nwb", "fixtures/filters_latest.h5", "shared/jhdf/test_compressed_chunked_datasets_earliest.hdf5"]


def remfile_values(url):
    with h5py.File(remfile.File(url), "r") as file:
        return everything(file)


def fsspec_values(url):
    with fsspec.filesystem("http").open(url, "rb") as remote, h5py.File(remote, "r") as file:
        return everything(file)


PEERS = [pytest.param(remfile_values, id="remfile"), pytest.param(fsspec_values, id="fsspec")]


def local_values(path):
    with h5py.File(path, "r") as file:
        return everything(file)


@pytest.mark.parametrize("read", PEERS)
@pytest.mark.parametrize("key", FILES)
def test_h5py_over_http_from_seaweedfs_sees_the_local_values(seaweed, key, read):
    if key not in seaweed.objects:
        pytest.skip(f"{key} is not in this checkout")
    assert read(seaweed.server.http_url(key)) == local_values(seaweed.local(key))


@pytest.mark.parametrize("read", PEERS)
def test_h5py_over_http_through_the_latency_proxy_sees_the_local_values(seaweed, proxy, read):
    key = "fixtures/sample.nwb"
    proxy.reset_statistics()
    with proxy.using(latency=0.040):
        assert read(seaweed.server.http_url(key, proxy.address)) == local_values(seaweed.local(key))
    counted = proxy.statistics()
    assert counted["requests"] >= 1
    assert counted["bytes"] >= 1
    assert set(counted["statuses"]) <= {200, 206}
