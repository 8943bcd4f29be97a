import Foundation
import HDF5
import HDF5Format
import NWB
import Testing
import TestSupport

/// The NWB API against pynwb 4.2 on the NWB fixtures (earliest and latest libver).
@Suite struct NWBFileTests {
    static let files = ["sample.nwb", "sample_latest.nwb", "ecephys_earliest.nwb", "ecephys_latest.nwb"]

    static func open(_ name: String) async throws -> NWBFile {
        try await NWBFile.open(path: "TestData/fixtures/" + name)
    }

    @Test(arguments: files)
    func sessionMetadataIsPynwbs(name: String) async throws {
        let oracle = try await PynwbOracle.shared.result(for: name)
        let nwb = try await Self.open(name)
        #expect(nwb.nwbVersion == oracle["nwb_version"] as? String)
        let session = try await nwb.session()
        #expect(session.identifier == oracle["identifier"] as? String)
        #expect(session.description == oracle["session_description"] as? String)
        #expect(session.startTime == oracle["session_start_time"] as? String)
        let subject = try #require(try await nwb.subject())
        for (field, value) in oracle["subject"] as? [String: String] ?? [:] {
            #expect(subject.fields[field] == value, "subject \(field)")
        }
        let devices = (oracle["devices"] as? [[String: Any]] ?? []).sorted { "\($0["path"] ?? "")" < "\($1["path"] ?? "")" }
        #expect(try await nwb.devices().map(\.path) == devices.map { $0["path"] as? String ?? "" })
        #expect(try await nwb.devices().map(\.manufacturer) == devices.map { $0["manufacturer"] as? String })
        let groups = oracle["electrode_groups"] as? [[String: Any]] ?? []
        #expect(try await nwb.electrodeGroups().map(\.devicePath) == groups.map { $0["device"] as? String })
        #expect(try await nwb.electrodeGroups().map(\.location) == groups.map { $0["location"] as? String })
    }

    @Test(arguments: files)
    func everyRowOfEveryTableIsPynwbs(name: String) async throws {
        let oracle = try await PynwbOracle.shared.result(for: name)
        let nwb = try await Self.open(name)
        let paths = try await nwb.hdf5.pathIndex()
        for expected in oracle["tables"] as? [[String: Any]] ?? [] {
            let path = try #require(expected["path"] as? String)
            let table = try await nwb.table(at: path)
            #expect(table.columnNames == expected["colnames"] as? [String], "\(path)")
            let descriptions = expected["descriptions"] as? [String: String] ?? [:]
            #expect(table.columns.map { descriptions[$0.name] } == table.columns.map(\.description), "\(path)")
            let rows = try await table.rows(0..<table.rowCount).map { $0.foundationObject(paths: paths) }
            #expect(NSArray(array: rows).isEqual(to: expected["rows"] as? [Any] ?? []), "\(path)")
        }
    }

    @Test(arguments: files)
    func spikeTimesOfEachUnitArePynwbs(name: String) async throws {
        let oracle = try await PynwbOracle.shared.result(for: name)
        let units = try #require(try await Self.open(name).units())
        let expected = (oracle["spike_times"] as? [Any] ?? []).map(flatNumbers)
        #expect(units.rowCount == expected.count)
        for (unit, times) in expected.enumerated() {
            #expect(try await units.spikeTimes(unit: unit) == times, "unit \(unit)")
        }
    }

    @Test(arguments: ["sample.nwb", "ecephys_latest.nwb"])
    func spikeTimesOfOneUnitReadTwoIndexValuesAndOneRunOfData(name: String) async throws {
        let source = try RecordingSource(name: name)
        let nwb = try await NWBFile(try await HDF5File(source: source, readAhead: 512))
        let units = try #require(try await nwb.units())
        // Every chunk index and heap the reads need is fetched by this first read.
        _ = try await units.spikeTimes(unit: 0)
        let index = try units.column("spike_times").indexes[0]
        let indexElement = UInt64(try #require(index.object.datatype).size)
        for unit in 1..<units.rowCount {
            let before = source.bytesRead
            let times = try await units.spikeTimes(unit: unit)
            // Unfiltered chunks are read as byte runs: two offsets, then the unit's times.
            #expect(source.bytesRead - before == 2 * indexElement + UInt64(times.count) * 8, "unit \(unit)")
        }
    }

    @Test(arguments: files)
    func timeWindowsArePynwbs(name: String) async throws {
        let oracle = try await PynwbOracle.shared.result(for: name)
        let nwb = try await Self.open(name)
        for expected in oracle["time_series"] as? [[String: Any]] ?? [] {
            let path = try #require(expected["path"] as? String)
            let series = try await nwb.timeSeries(at: path)
            #expect(series.shape == (expected["shape"] as? [UInt64] ?? []), "\(path)")
            #expect(series.unit == expected["unit"] as? String)
            #expect(series.conversion == oracleDouble(expected["conversion"]))
            #expect(series.offset == oracleDouble(expected["offset"]))
            #expect(series.rate == oracleDouble(expected["rate"]))
            let isFloat32 = series.data.object.datatype?.size == 4 && {
                if case .floatingPoint = series.data.object.datatype?.kind { true } else { false }
            }()
            for window in expected["windows"] as? [[String: Any]] ?? [] {
                let time = flatNumbers(window["time"])
                let samples = try #require(window["samples"] as? [UInt64])
                let read = try await series.read(time: time[0]..<time[1])
                #expect(read.samples == samples[0]..<samples[1], "\(path) \(time)")
                let timestampsMatch = try await read.timestamps() == flatNumbers(window["timestamps"])
                #expect(timestampsMatch, "timestamps of \(path) \(time)")
                let stored = try await read.storedValues()
                let physical = try await read.physicalValues()
                // pynwb widens float32 data to float64 in its lists; compare it as float32.
                let storedMatch = isFloat32
                    ? stored.map(Float.init) == flatNumbers(window["data"]).map(Float.init)
                    : stored == flatNumbers(window["data"])
                let physicalMatch = isFloat32
                    ? physical.map(Float.init) == flatNumbers(window["physical"]).map(Float.init)
                    : physical == flatNumbers(window["physical"])
                #expect(storedMatch, "data of \(path) \(time)")
                #expect(physicalMatch, "physical values of \(path) \(time)")
            }
        }
    }

    @Test(arguments: files)
    func electrodesOfASeriesResolveToTheElectrodesTable(name: String) async throws {
        let oracle = try await PynwbOracle.shared.result(for: name)
        let nwb = try await Self.open(name)
        for expected in oracle["time_series"] as? [[String: Any]] ?? [] {
            let path = try #require(expected["path"] as? String)
            let region = try await nwb.timeSeries(at: path).electrodes()
            guard let electrodes = expected["electrodes"] as? [String: Any] else {
                #expect(region == nil)
                continue
            }
            let resolved = try #require(region)
            #expect(resolved.table.path == electrodes["table"] as? String)
            #expect(resolved.indices == electrodes["rows"] as? [Int])
            #expect(try await resolved.rows().map(\.index) == resolved.indices)
        }
    }

    @Test func regionCellsOfUnitsResolveToElectrodeRows() async throws {
        let nwb = try await Self.open("ecephys_latest.nwb")
        let units = try #require(try await nwb.units())
        #expect(try units.column("electrodes").isRegion)
        #expect(try await units.regionTarget("electrodes").path == "/general/extracellular_ephys/electrodes")
        for unit in 0..<units.rowCount {
            let expected = try await units.cells("electrodes", rows: unit..<(unit + 1)).flatMap(\.flattened)
                .compactMap(\.integerValue)
            let rows = try await units.referencedRows("electrodes", row: unit)
            #expect(rows.map { Int64($0.index) } == expected)
            #expect(rows.allSatisfy { $0["location"] == .value(.string("V1")) })
        }
    }

    @Test func doublyRaggedColumnsHaveTwoIndexes() async throws {
        let units = try #require(try await Self.open("ecephys_earliest.nwb").units())
        #expect(try units.column("waveforms").indexes.map(\.path) == ["/units/waveforms_index", "/units/waveforms_index_index"])
        #expect(try units.column("spike_times").indexes.count == 1)
        #expect(try units.column("quality").indexes.isEmpty)
    }

    @Test(arguments: files)
    func rowsByIDAreRowsByPosition(name: String) async throws {
        for table in try await Self.open(name).allTables() {
            let ids = try await table.ids()
            for (index, id) in ids.enumerated() {
                #expect(try await table.row(id: id) == table.row(at: index))
            }
        }
    }

    @Test func rowsAtPositionsComeInTheOrderAsked() async throws {
        let electrodes = try #require(try await Self.open("sample.nwb").electrodes())
        let rows = try await electrodes.rows(at: [31, 0, 5, 5, 16])
        #expect(rows.map(\.index) == [31, 0, 5, 5, 16])
        // The sample's electrode ids are their positions.
        #expect(rows.map(\.id) == [31, 0, 5, 5, 16])
        await #expect(throws: NWBError.noSuchRow(table: electrodes.path, row: "at index 32", rowCount: 32)) {
            try await electrodes.rows(at: [3, 32])
        }
    }

    @Test func typedColumnsMatchCells() async throws {
        let trials = try #require(try await Self.open("sample.nwb").trials())
        #expect(try await trials.doubles("start_time") == [0, 0.015, 0.03, 0.045, 0.06, 0.075].map { $0 })
        #expect(try await trials.strings("condition", rows: 0..<2) == ["left", "right"])
        #expect(try await trials.integers("start_time", rows: 0..<1) == [0])
    }

    @Test func objectsOfATypeIncludeItsSubtypes() async throws {
        let nwb = try await Self.open("sample.nwb")
        let series = try await nwb.objects(ofType: "TimeSeries").map(\.path)
        #expect(series == ["/acquisition/ElectricalSeries", "/processing/behavior/speed", "/processing/ecephys/LFP/LFP"])
        let exact = try await nwb.objects(ofType: "TimeSeries", includingSubtypes: false).map(\.path)
        #expect(exact == ["/processing/behavior/speed"])
        #expect(try await nwb.objects(ofType: "DynamicTable").count == 3)
    }

    @Test func speclocResolvesToTheCachedSpecifications() async throws {
        let nwb = try await Self.open("sample.nwb")
        #expect(try await nwb.referencedObject(".specloc", of: nwb.root)?.path == "/specifications")
        let latest = try await Self.open("sample_latest.nwb")
        #expect(try await latest.referencedObject(".specloc", of: latest.root) == nil)
    }

    @Test func errorsNameThePathAndSuggestTheClosest() async throws {
        let nwb = try await Self.open("sample.nwb")
        await #expect { try await nwb.object(at: "/unit") } throws: { error in
            guard case NWBError.notFound(let path, let suggestions) = error else { return false }
            return path == "/unit" && suggestions.first == "/units"
        }
        await #expect(throws: NWBError.wrongType(path: "/units", expected: "TimeSeries", found: "Units")) {
            try await nwb.timeSeries(at: "/units")
        }
        let units = try #require(try await nwb.units())
        #expect(throws: NWBError.noSuchColumn(table: "/units", column: "spike", available: ["quality", "spike_times"])) {
            try units.column("spike")
        }
        await #expect(throws: NWBError.noSuchRow(table: "/units", row: "at index 12", rowCount: 12)) {
            try await units.row(at: 12)
        }
    }

    @Test func notAnNWBFileIsAWrongTypeError() async throws {
        await #expect(throws: NWBError.wrongType(path: "/", expected: "NWBFile", found: "group without neurodata_type")) {
            try await NWBFile.open(path: "TestData/fixtures/groups_latest.h5")
        }
    }
}

/// Suggestions for paths that do not exist.
@Suite struct PathSuggestionTests {
    @Test func closestPathsComeFirstAndFarOnesAreLeftOut() {
        let paths = ["/units", "/units/spike_times", "/acquisition", "/intervals/trials", "/general/devices"]
        #expect(PathSuggestions.closest(to: "/unit", among: paths) == ["/units"])
        #expect(PathSuggestions.closest(to: "/units/spike_time", among: paths).first == "/units/spike_times")
        #expect(PathSuggestions.closest(to: "/zzzzzzzzzzzzzzzzzzzzzz", among: paths).isEmpty)
        #expect(PathSuggestions.closest(to: "/aquisition", among: paths, limit: 1) == ["/acquisition"])
    }
}

/// Types derived through the schema a file caches.
@Suite struct TypeHierarchyTests {
    @Test func theCachedSchemaDefinesTheCoreTypes() async throws {
        let nwb = try await NWBFile.open(path: "TestData/fixtures/sample.nwb")
        let hierarchy = try await nwb.typeHierarchy()
        #expect(hierarchy.isType("ElectricalSeries", a: "TimeSeries"))
        #expect(hierarchy.isType("Units", a: "DynamicTable"))
        #expect(hierarchy.isType("VectorIndex", a: "VectorData"))
        #expect(!hierarchy.isType("Units", a: "TimeSeries"))
        // Types the built-in table does not list come from the cached schema.
        #expect(hierarchy.parents["LFP"] == "NWBDataInterface")
        #expect(TypeHierarchy.builtIn.parents["LFP"] == nil)
    }

    @Test func aFileWithoutACachedSchemaUsesTheBuiltInTypes() async throws {
        let nwb = try await NWBFile.open(path: "TestData/fixtures/sample_latest.nwb")
        #expect(try await nwb.typeHierarchy().parents == TypeHierarchy.builtIn.parents)
    }
}

/// Fetch rounds: what a remote source would pay in latency.
@Suite struct FetchRoundTests {
    @Test(arguments: ["sample.nwb", "ecephys_latest.nwb"])
    func openingLeavesTheSessionStringsUnread(name: String) async throws {
        let source = try RecordingSource(name: name)
        let nwb = try await NWBFile(try await HDF5File(source: source, readAhead: 512))
        let opened = source.batches
        let session = try await nwb.session()
        // The strings' datasets are fetched only now, all in the same rounds.
        #expect(source.batches > opened)
        #expect(source.batches - opened <= 3)
        let oracle = try await PynwbOracle.shared.result(for: name)
        #expect(session.identifier == oracle["identifier"] as? String)
    }

    @Test(arguments: ["sample.nwb", "ecephys_latest.nwb"])
    func aTablesColumnsAreDecodedInOneBatch(name: String) async throws {
        let source = try RecordingSource(name: name)
        let nwb = try await NWBFile(try await HDF5File(source: source, readAhead: 512))
        _ = try await nwb.object(at: "/units")
        let before = source.batches
        let units = try await nwb.table(at: "/units")
        // Every member's object header in one batch, whatever the number of columns, then
        // what those headers lead to (heaps, continuation blocks) in a few more rounds.
        // (Member by member, ecephys_latest.nwb's 9 members took 16 batches; together, 4.)
        #expect(source.batches - before <= 6, "\(units.columns.count) columns")
    }
}
