"""The files the remote tests upload to SeaweedFS, by key: the fixtures, their external raw data
files, and a few conformance files of other readers (when ../shared/testdata is present)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "TestData" / "fixtures"
SHARED = ROOT.parent / "shared" / "testdata"
# A few conformance files of other readers, each exercising something the fixtures do less:
# jhdf's reference file, deflate over v1 B-trees, paged fixed arrays, a large v2 group, vlen strings.
SHARED_FILES = ["jhdf/test_file.hdf5", "jhdf/test_compressed_chunked_datasets_earliest.hdf5",
                "jhdf/fixed_array_paged_datasets.hdf5", "jhdf/test_large_group_latest.hdf5",
                "h5py/vlen_string_dset.h5"]


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
