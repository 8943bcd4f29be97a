import NWB
import Testing

/// The README's example, run as written.
@Suite struct ReadmeExampleTests {
    @Test func readmeExampleReadsTheWindowAndCountsSpikes() async throws {
        let nwb = try await NWBFile.open(path: "TestData/fixtures/sample.nwb")
        let series = try await nwb.timeSeries(at: "/acquisition/ElectricalSeries")
        let window = try await series.read(time: 0.010..<0.020, channels: 0..<4)
        let volts = try await window.physicalValues()
        #expect(window.shape == [300, 4])
        #expect(volts.count == 1200)
        #expect(series.unit == "volts")
        let units = try #require(try await nwb.units())
        var counted = 0
        for unit in 0..<units.rowCount {
            let spikes = try await units.spikeTimes(unit: unit)
            counted += spikes.filter { (0.010..<0.020).contains($0) }.count
        }
        #expect(counted > 0)
    }
}
