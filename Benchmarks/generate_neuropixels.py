"""Writes a Neuropixels-like NWB session for the benchmarks (deterministic, seeded).

- /acquisition/ElectricalSeries: int16, 384 channels x SECONDS s at 30 kHz, gzip (level 4) +
  shuffle, chunked (30000, 64) (one second of 64 channels, as SpikeInterface-based writers do);
- /processing/ecephys/LFP/LFP: float32, 384 channels at 2.5 kHz, contiguous;
- a units table with UNITS units and ragged spike times; electrodes with string columns; trials.

Usage: python3 Benchmarks/generate_neuropixels.py OUT.nwb [--seconds 30] [--libver earliest|latest]
"""

import argparse
import datetime
import uuid

import h5py
import numpy as np
from hdmf.backends.hdf5.h5_utils import H5DataIO
from pynwb import NWBHDF5IO, NWBFile
from pynwb.ecephys import LFP, ElectricalSeries

RATE = 30_000.0
CHANNELS = 384
UNITS = 300


def neural_like(rng, samples, channels):
    """Slow drifts plus noise and sparse spikes: compresses about as real recordings do."""
    data = np.empty((samples, channels), dtype=np.int16)
    block = 30_000
    drift = np.zeros(channels)
    for start in range(0, samples, block):
        stop = min(start + block, samples)
        steps = rng.normal(0, 0.3, size=(stop - start, channels)).cumsum(axis=0) + drift
        drift = steps[-1]
        noise = rng.normal(0, 12, size=(stop - start, channels))
        spikes = (rng.random((stop - start, channels)) < 0.0005) * rng.normal(-120, 30, size=(stop - start, channels))
        data[start:stop] = np.clip(steps + noise + spikes, -32768, 32767).astype(np.int16)
    return data


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("output")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--libver", default="earliest")
    arguments = parser.parse_args()
    rng = np.random.default_rng(20261125)
    samples = int(arguments.seconds * RATE)

    nwb = NWBFile(
        session_description="Neuropixels-like benchmark session", identifier=str(uuid.UUID(int=1)),
        session_start_time=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc))
    device = nwb.create_device(name="NeuropixelsProbe")
    group = nwb.create_electrode_group(name="shank0", description="probe", location="CA1", device=device)
    for channel in range(CHANNELS):
        nwb.add_electrode(group=group, location=["CA1", "CA3", "DG"][channel % 3], x=float(channel % 2),
                          y=float(channel // 2) * 20.0, z=0.0, filtering="none", rel_x=0.0, rel_y=0.0)
    electrodes = nwb.create_electrode_table_region(list(range(CHANNELS)), "all electrodes")
    nwb.add_acquisition(ElectricalSeries(
        name="ElectricalSeries", electrodes=electrodes, rate=RATE, conversion=0.195e-6,
        data=H5DataIO(neural_like(rng, samples, CHANNELS), compression="gzip", compression_opts=4, shuffle=True,
                      chunks=(30_000, 64))))
    lfp_rate = 2_500.0
    lfp = ElectricalSeries(
        name="LFP", electrodes=electrodes, rate=lfp_rate,
        data=rng.normal(0, 50, size=(int(arguments.seconds * lfp_rate), CHANNELS)).astype(np.float32))
    nwb.create_processing_module(name="ecephys", description="LFP").add(LFP(electrical_series=lfp))
    for unit in range(UNITS):
        count = int(rng.integers(50, 3000))
        nwb.add_unit(spike_times=np.sort(rng.uniform(0, arguments.seconds, count)))
    for trial in range(int(arguments.seconds // 2)):
        nwb.add_trial(start_time=trial * 2.0, stop_time=trial * 2.0 + 1.5)
    with h5py.File(arguments.output, "w", libver=arguments.libver) as file:
        with NWBHDF5IO(file=file, mode="w") as io:
            io.write(nwb)


if __name__ == "__main__":
    main()
