"""Writes an hour-long Neuropixels-like NWB session for the by-hand long-recording measurements
(Docs/BENCHMARKS.md, "One-hour recording"): what a chunk index of tens of thousands of chunks
costs remotely.

- /acquisition/ElectricalSeries: int16, 384 channels x SECONDS s at 30 kHz, gzip (level 4) +
  shuffle, chunks (30000, 64), written a second at a time through hdmf's
  GenericDataChunkIterator as converters write long recordings (so the chunk index grows with
  the data and the metadata written at close lies after it). The values are a slow ramp, which
  compresses well: the file is about 830 MB for an hour instead of tens of GB, and its structure
  (21,600 chunks, a three-level version 1 B-tree) is that of a real recording's.
- a units table of 300 units with ragged spike times.

Usage: python3 Benchmarks/generate_long_recording.py OUT.nwb [--seconds 3600]
(about 6 minutes for an hour on this machine).
"""

import argparse
import datetime
import uuid

import h5py
import numpy as np
from hdmf.backends.hdf5.h5_utils import H5DataIO
from hdmf.data_utils import GenericDataChunkIterator
from pynwb import NWBHDF5IO, NWBFile
from pynwb.ecephys import ElectricalSeries

RATE = 30_000
CHANNELS = 384


class Ramp(GenericDataChunkIterator):
    """Sample r of channel c is (r // 1000) % 4000 + c + r % 7: h5py's values can be checked."""

    def __init__(self, samples, **options):
        self.samples = samples
        super().__init__(**options)

    def _get_data(self, selection):
        rows, columns = selection
        r = np.arange(rows.start, rows.stop)[:, None]
        c = np.arange(columns.start or 0, columns.stop if columns.stop is not None else CHANNELS)[None, :]
        return ((r // 1000) % 4000 + c + r % 7).astype(np.int16)

    def _get_maxshape(self):
        return (self.samples, CHANNELS)

    def _get_dtype(self):
        return np.dtype("int16")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("output")
    parser.add_argument("--seconds", type=int, default=3600)
    arguments = parser.parse_args()
    rng = np.random.default_rng(20261206)
    nwb = NWBFile(
        session_description="One-hour Neuropixels-like session", identifier=str(uuid.UUID(int=3)),
        session_start_time=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc))
    device = nwb.create_device(name="NeuropixelsProbe")
    group = nwb.create_electrode_group(name="shank0", description="probe", location="CA1", device=device)
    for channel in range(CHANNELS):
        nwb.add_electrode(group=group, location="CA1", x=0.0, y=float(channel) * 20.0, z=0.0, filtering="none",
                          rel_x=0.0, rel_y=0.0)
    electrodes = nwb.create_electrode_table_region(list(range(CHANNELS)), "all electrodes")
    data = Ramp(arguments.seconds * RATE, chunk_shape=(RATE, 64), buffer_shape=(RATE, CHANNELS),
                display_progress=False)
    nwb.add_acquisition(ElectricalSeries(
        name="ElectricalSeries", electrodes=electrodes, rate=float(RATE), conversion=0.195e-6,
        data=H5DataIO(data, compression="gzip", compression_opts=4, shuffle=True)))
    for _ in range(300):
        count = int(rng.integers(500, 30_000))
        nwb.add_unit(spike_times=np.sort(rng.uniform(0, arguments.seconds, count)))
    with h5py.File(arguments.output, "w", libver="earliest") as file:
        with NWBHDF5IO(file=file, mode="w") as io:
            io.write(nwb)


if __name__ == "__main__":
    main()
