"""Checks of the oracle itself, on fixtures whose content TestData/generate_fixtures.py fixes."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import oracle  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[2] / "TestData" / "fixtures"


def entry(listing, path):
    return next(item for item in listing if item["path"] == path)


def test_oracle_reads_big_endian_sequences_despite_h5py():
    # h5py 3.16 returns vlen sequences of big-endian numbers unconverted; the oracle corrects
    # that. Should h5py change, this fails rather than the conformance suite going wrong.
    attributes = entry(oracle.listing(FIXTURES / "types_latest.h5"), "/sequences")["attributes"]
    assert attributes["vlen_f8be"] == [[0.25, "NaN"], [1e-300]]
    assert attributes["vlen_i4"] == [[1, 2, 3], [], [-7]]


def test_oracle_lists_a_hard_linked_object_once_at_its_first_path_in_byte_order():
    paths = [item["path"] for item in oracle.listing(FIXTURES / "groups_latest.h5")]
    assert "/alias" in paths and "/data/shared" not in paths and "/data/shared_again" not in paths
    assert "/cycle/self" not in paths and "/cycle/child/parent" not in paths
    names = [path for path in paths if path.startswith("/names/")]
    assert names == sorted(names, key=lambda path: path.encode())


def test_oracle_writes_floats_in_their_own_precision_and_references_as_paths():
    shapes = entry(oracle.listing(FIXTURES / "types_earliest.h5"), "/shapes")["attributes"]
    assert shapes["scalar_f4"] == 0.1 and shapes["scalar_f2"] == 0.1
    assert shapes["scalar_ref"] == "/" and shapes["empty_f4"] is None
    references = entry(oracle.listing(FIXTURES / "types_earliest.h5"), "/references")["attributes"]
    assert references["object"] == ["/", "/targets/data", "/targets/group", None]
    # regionref[1:3, 2:4] and regionref[0, :] of a (4, 5) dataset: libhdf5's blocks, first and last
    # coordinates of each.
    assert references["region"] == [
        {"target": "/targets/data", "selection": {"blocks": [[[1, 2], [2, 3]]]}},
        {"target": "/targets/data", "selection": {"blocks": [[[0, 0], [0, 4]]]}},
        None,
    ]
