import Foundation
import HDF5
import NWB
import Testing
import TestSupport

/// Time to sample indices, by computation (rate) and by search (timestamps).
@Suite struct TimestampSearchTests {
    @Test func searchAgreesWithALinearScanAtRandomTimes() async throws {
        let nwb = try await NWBFile.open(path: "TestData/fixtures/ecephys_latest.nwb")
        let series = try await nwb.timeSeries(at: "/acquisition/events")
        let timestamps = try await series.timestamps(in: 0..<series.sampleCount)
        let seed = UInt64.random(in: 0...UInt64.max)
        print("TimestampSearchTests seed \(seed)")
        var generator = SplitMix64(seed: seed)
        let bounds = try #require(try await series.timeBounds())
        var times = (0..<60).map { _ in Double.random(in: (bounds.lowerBound - 1)...(bounds.upperBound + 1), using: &generator) }
        // Exact sample times, and the times just before them.
        times += (0..<20).map { _ in timestamps[Int.random(in: 0..<timestamps.count, using: &generator)] }
        times += times.suffix(20).map { $0.nextDown }
        for time in times {
            let expected = UInt64(timestamps.firstIndex { $0 >= time } ?? timestamps.count)
            #expect(try await series.sampleRange(for: time..<Double.infinity).lowerBound == expected, "time \(time)")
        }
    }

    @Test func regularSeriesComputeTheirSamplesAsPynwbTimesThem() async throws {
        let nwb = try await NWBFile.open(path: "TestData/fixtures/ecephys_earliest.nwb")
        let series = try await nwb.timeSeries(at: "/acquisition/raw")
        #expect(series.timing == .regular(startingTime: 2.5, rate: 1000))
        let times = try await series.timestamps(in: 0..<series.sampleCount)
        for index in stride(from: 0, to: times.count, by: 7) {
            // Exactly at a sample's time: that sample first; just after it: the next.
            #expect(try await series.sampleRange(for: times[index]..<Double.infinity).lowerBound == UInt64(index))
            #expect(try await series.sampleRange(for: times[index].nextUp..<Double.infinity).lowerBound == UInt64(index + 1))
        }
        #expect(try await series.sampleRange(for: -.infinity..<Double.infinity) == 0..<series.sampleCount)
        #expect(try await series.sampleRange(for: 100..<200) == series.sampleCount..<series.sampleCount)
    }

    @Test func aSearchReadsOneBatchPerRound() async throws {
        let source = try RecordingSource(name: "ecephys_latest.nwb")
        let nwb = try await NWBFile(try await HDF5File(source: source, readAhead: 512))
        let series = try await nwb.timeSeries(at: "/acquisition/events")
        // The first search fetches the chunk index; later ones only chunks.
        _ = try await series.sampleRange(for: 20..<21)
        let before = source.batches
        _ = try await series.sampleRange(for: 30..<30.5)
        // Two searches (start and end), each one strided round of probes and one final run.
        #expect(source.batches - before <= 4)
    }

    @Test func channelsSelectColumnsOfEachSample() async throws {
        let nwb = try await NWBFile.open(path: "TestData/fixtures/ecephys_latest.nwb")
        let series = try await nwb.timeSeries(at: "/acquisition/raw")
        let all = try await series.read(samples: 10..<20).storedValues()
        let some = try await series.read(samples: 10..<20, channels: 2..<5)
        #expect(some.shape == [10, 3])
        #expect(try await some.storedValues() == (0..<10).flatMap { row in all[(row * 8 + 2)..<(row * 8 + 5)] })
        // channel_conversion of channels 2, 3, 4 is 0.5, 2, 1.
        let physical = try await some.physicalValues()
        let stored = try await some.storedValues()
        #expect(physical[1] == stored[1] * (2e-6 * 2.0) + 0.01)
        await #expect(throws: NWBError.self) { try await series.read(samples: 0..<1, channels: 7..<9) }
    }
}
