import Foundation

/// The rows of the benchmark and how each reader is measured in them.
struct BenchRuns {
    static let series = "/acquisition/ElectricalSeries/data"

    let nwbpeek: String
    let session: PeerSession
    let runs: Int
    let scratch: String
    private(set) var rows: [BenchRow] = []
    /// What the table alone does not say: peers that could not run, index sizes.
    private(set) var notes: [String] = []
    /// The bench's largest resident size when it spawned nwbpeek (see `ProcessCost`).
    private var largestSpawnerMiB = 0.0

    init(nwbpeek: String, session: PeerSession, runs: Int, scratch: String) {
        self.nwbpeek = nwbpeek
        self.session = session
        self.runs = runs
        self.scratch = scratch
    }

    /// What the nwbpeek figures include besides the work: the process's start-up (loading
    /// Swift's runtime, Foundation and libcurl), and the floor of the memory figures.
    mutating func noteProcessCosts() throws {
        let startUp = try measureOurs(["--help"], runs: max(runs, 15))
        notes.append(
            "nwbpeek's start-up (`nwbpeek --help`, a median of \(max(runs, 15)) runs): "
                + "\(BenchTable.format(startUp.seconds * 1000, digits: 1)) ms, part of every nwbpeek time above. "
                + "Peak RSS is Linux's accounting of each nwbpeek process, which cannot be below the bench's own "
                + "resident size when it spawned one: at most \(BenchTable.format(largestSpawnerMiB, digits: 0)) MiB here.")
    }

    /// The small sample's whole tree with every attribute, against h5py's visititems: a listing
    /// dominated by per-object work rather than I/O.
    mutating func listingOfTheSample(_ path: String) async throws {
        let sampleRuns = max(runs, 15)
        let ours = try measureOurs(["ls", "--recursive", "--json", path], runs: sampleRuns)
        let library = try await LibraryRuns.listing(path, runs: sampleRuns)
        let peer = try measurePeer(["task": "list", "reader": "h5py", "source": path], runs: sampleRuns)
        add(BenchRow(
            data: "sample.nwb", name: "list every object and attribute", ours: ours, library: library,
            peers: [("h5py", peer)]))
    }

    /// Listing, full read, full dump to a file, a 0.1 s window and one unit's spike times, local.
    mutating func localRows(label: String, file: String, fullRuns: Int) async throws {
        let shape = try Recording(session: session, file: file)
        let output = "\(scratch)/out"
        let dumped = "\(scratch)/dump.bin"

        try add(label, "header listing (ls --recursive vs h5dump -H)",
                ours: measureOurs(["ls", "--recursive", file], runs: runs),
                peers: h5dump(["-H", file], runs: runs))

        let full = try measureOurs(["cat", file, Self.series, "--format", "raw", "-o", "/dev/null"], runs: fullRuns)
        let fullInMemory = try await LibraryRuns.read(
            file, dataset: Self.series, selection: "", expectedBytes: shape.bytes, runs: fullRuns)
        try add(label, "full read of the raw series (\(shape.megabytes) MiB; cat streams it, the library and h5py "
                + "read it into memory)", ours: full, library: fullInMemory,
                peers: [("h5py dset[:]", measurePeer(["task": "full", "reader": "h5py", "source": file], runs: fullRuns))])

        // Each run writes a new file: truncating the last run's 659 MiB would be timed too.
        let dump = try measureOurs(
            ["cat", file, Self.series, "--format", "raw", "-o", dumped], runs: fullRuns, clearing: dumped)
        try verify(["raw": dumped, "file": file], row: "full dump")
        try add(label, "full binary dump of the raw series to a file", ours: dump,
                peers: h5dump(["-d", Self.series, "-b", "LE", "-o", dumped, file], runs: fullRuns, clearing: dumped))
        try? FileManager.default.removeItem(atPath: dumped)

        try measureOurs(["cat", file, Self.series, "--slice", shape.windowText, "--format", "npy", "-o", output], runs: 1)
        try verify(["npy": output, "file": file, "start": shape.window.lowerBound, "stop": shape.window.upperBound],
                   row: "window")
        let window = try measureOurs(
            ["cat", file, Self.series, "--slice", shape.windowText, "--format", "raw", "-o", "/dev/null"], runs: runs)
        let windowInMemory = try await LibraryRuns.read(
            file, dataset: Self.series, selection: shape.windowText, expectedBytes: shape.windowBytes, runs: runs)
        try add(label, "0.1 s window of all \(shape.channels) channels", ours: window, library: windowInMemory,
                peers: [("h5py", measurePeer(shape.windowRequest(reader: "h5py", source: file), runs: runs))])

        let spikes = try measureOurs(shape.spikeArguments(source: file), runs: runs, output: output)
        try verify(["table": output, "file": file, "unit": shape.unit], row: "spike times")
        let spikesInProcess = try await LibraryRuns.spikeTimes(file, unit: shape.unit, runs: runs)
        try add(label, "unit \(shape.unit)'s spike times (table --rows)", ours: spikes, library: spikesInProcess,
                peers: [("h5py", measurePeer(shape.spikesRequest(reader: "h5py", source: file), runs: runs))])
    }

    /// h5dump as a peer, or no peer (and a note) when it cannot read the file: Debian's h5dump
    /// 1.10 does not open files HDF5 2.0 writes with libver latest.
    private mutating func h5dump(_ arguments: [String], runs: Int, clearing: String? = nil) throws -> [(String, Figures)] {
        let name = "h5dump " + arguments.filter { $0.hasPrefix("-") }.joined(separator: " ")
        do {
            return [(name, try measureProcess(["h5dump"] + arguments, runs: runs, clearing: clearing))]
        } catch BenchError.commandFailed(_, let reason) {
            let note = "\(name) \(arguments.last ?? ""): \(reason.split(separator: "\n").first ?? "")"
            if !notes.contains(note) { notes.append(note) }
            return []
        }
    }

    /// The file on SeaweedFS behind the latency proxy: listing, window and spike times against h5py
    /// over remfile and fsspec; building an index and reading the window through it against
    /// kerchunk + zarr.
    mutating func remoteRows(label: String, file: String, latency: Double) throws {
        let shape = try Recording(session: session, file: file)
        Progress.say("uploading \(file) to SeaweedFS")
        let served = try session.send(["op": "serve", "file": file, "latency": latency, "scratch": scratch])
        guard let url = served["url"] as? String else {
            throw BenchError.peerFailed(operation: "serve", reason: "no url in the answer")
        }
        let data = "\(label), remote"
        let output = "\(scratch)/out"
        let remotePeers = ["h5py+remfile", "h5py+fsspec"]

        let listing = try measureOurs(["ls", "--recursive", "--json", url], runs: runs, remote: true)
        try add(data, "open + list every object and attribute", ours: listing, peers: remotePeers.map {
            ($0, try measurePeer(["task": "list", "reader": $0, "source": url], runs: runs, remote: true))
        })

        try measureOurs(["cat", url, Self.series, "--slice", shape.windowText, "--format", "npy", "-o", output], runs: 1)
        try verify(["npy": output, "file": file, "start": shape.window.lowerBound, "stop": shape.window.upperBound],
                   row: "remote window")
        let window = try measureOurs(
            ["cat", url, Self.series, "--slice", shape.windowText, "--format", "raw", "-o", "/dev/null"],
            runs: runs, remote: true)
        try add(data, "open + read a 0.1 s window of all channels", ours: window, peers: remotePeers.map {
            ($0, try measurePeer(shape.windowRequest(reader: $0, source: url), runs: runs, remote: true))
        })

        let spikes = try measureOurs(shape.spikeArguments(source: url), runs: runs, output: output, remote: true)
        try verify(["table": output, "file": file, "unit": shape.unit], row: "remote spike times")
        try add(data, "open + read unit \(shape.unit)'s spike times", ours: spikes, peers: remotePeers.map {
            ($0, try measurePeer(shape.spikesRequest(reader: $0, source: url), runs: runs, remote: true))
        })

        let ourIndex = "\(scratch)/nwbpeek-index.json"
        let theirIndex = "\(scratch)/kerchunk-index.json"
        let build = try measureOurs(["index", url, "-o", ourIndex], runs: runs, remote: true)
        try add(data, "build an index of the file", ours: build, peers: [
            ("kerchunk", measurePeer(
                ["task": "kerchunk-index", "reader": "kerchunk", "source": url, "output": theirIndex],
                runs: runs, remote: true))
        ])
        let throughIndex = ["cat", "--index", ourIndex, Self.series, "--slice", shape.windowText, "--format", "npy"]
        try measureOurs(throughIndex + ["-o", output], runs: 1)
        try verify(["npy": output, "file": file, "start": shape.window.lowerBound, "stop": shape.window.upperBound],
                   row: "window through the index")
        let indexWindow = try measureOurs(throughIndex + ["-o", "/dev/null"], runs: runs, remote: true)
        try add(data, "read the 0.1 s window through the index", ours: indexWindow, peers: [
            ("kerchunk+zarr", measurePeer(
                ["task": "kerchunk-window", "reader": "kerchunk+zarr", "source": url, "references": theirIndex,
                 "start": shape.window.lowerBound, "stop": shape.window.upperBound],
                runs: runs, remote: true))
        ])
        let sizes = [ourIndex, theirIndex].map { path in
            ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int ?? 0) / 1024
        }
        notes.append("Index sizes: nwbpeek \(sizes[0]) KiB (it carries the file's metadata bytes, so opening from it "
            + "costs no request), kerchunk \(sizes[1]) KiB.")
    }

    /// How close the first full read came to its ceiling: decoding alone on one core, times the cores.
    mutating func noteCeiling(_ ceiling: DecodeCeiling.Measurement, cores: Int) {
        guard let full = rows.first(where: { $0.name.hasPrefix("full read") }) else { return }
        let megabytesPerSecond = Double(ceiling.outputBytes) / 1e6 / ceiling.secondsOnOneCore
        let bound = ceiling.secondsOnOneCore / Double(max(cores, 1))
        notes.append(
            "Full read ceiling (\(full.data)): decoding every chunk on one core (inflate + unshuffle, from memory) "
                + "takes \(BenchTable.format(ceiling.secondsOnOneCore, digits: 3)) s "
                + "(\(BenchTable.format(megabytesPerSecond, digits: 0)) MB/s of output); on \(cores) cores at best "
                + "\(BenchTable.format(bound, digits: 3)) s. The full read took "
                + "\(BenchTable.format(full.ours.seconds, digits: 3)) s, \(BenchTable.format(full.ours.seconds / bound, digits: 2)) "
                + "times that." + Self.buildCaveat)
    }

    #if DEBUG
    static let buildCaveat = " (nwbpeek-bench is a debug build here: its own decoding is not representative.)"
    #else
    static let buildCaveat = ""
    #endif

    // Measuring. ----------------------------------------------------------------------------------

    private mutating func add(
        _ data: String, _ name: String, ours: Figures, library: Figures? = nil, peers: [(String, Figures)]
    ) throws {
        add(BenchRow(data: data, name: name, ours: ours, library: library, peers: peers.map { (reader: $0.0, figures: $0.1) }))
    }

    private mutating func add(_ row: BenchRow) {
        let library = row.library.map { [(reader: BenchTable.libraryReader, figures: $0)] } ?? []
        let ratios = (library + row.peers).map {
            "\($0.reader) \(BenchTable.format($0.figures.seconds / row.ours.seconds, digits: 1))x"
        }
        Progress.say("\(row.data): \(row.name): nwbpeek \(BenchTable.format(row.ours.seconds, digits: 3)) s; "
            + ratios.joined(separator: ", "))
        rows.append(row)
    }

    /// nwbpeek as a process, `runs` times; with `remote`, the proxy's counters for each run.
    @discardableResult
    private mutating func measureOurs(
        _ arguments: [String], runs: Int, output: String = "/dev/null", remote: Bool = false, clearing: String? = nil
    ) throws -> Figures {
        var costs: [ProcessCost] = []
        var traffic: [Traffic] = []
        for _ in 0..<runs {
            if let clearing { try? FileManager.default.removeItem(atPath: clearing) }
            if remote { _ = try session.send(["op": "reset"]) }
            costs.append(try ChildProcess.measure([nwbpeek] + arguments, output: output))
            if remote { traffic.append(try statistics()) }
        }
        largestSpawnerMiB = max(largestSpawnerMiB, costs.map(\.spawnerResidentMiB).max() ?? 0)
        return Figures(
            seconds: BenchTable.median(costs.map(\.seconds)), peakResidentMiB: costs.map(\.peakResidentMiB).max(),
            traffic: Self.median(traffic))
    }

    /// A peer's process (h5dump), `runs` times.
    private func measureProcess(_ arguments: [String], runs: Int, clearing: String?) throws -> Figures {
        let seconds = try (0..<runs).map { _ in
            if let clearing { try? FileManager.default.removeItem(atPath: clearing) }
            return try ChildProcess.measure(arguments).seconds
        }
        return Figures(seconds: BenchTable.median(seconds))
    }

    /// A Python peer in-process in the peer session, `runs` times.
    private func measurePeer(_ request: [String: Any], runs: Int, remote: Bool = false) throws -> Figures {
        var seconds: [Double] = []
        var traffic: [Traffic] = []
        for _ in 0..<runs {
            if remote { _ = try session.send(["op": "reset"]) }
            seconds.append(try session.run(request))
            if remote { traffic.append(try statistics()) }
        }
        return Figures(seconds: BenchTable.median(seconds), traffic: Self.median(traffic))
    }

    private func statistics() throws -> Traffic {
        let counts = try session.send(["op": "statistics"])
        let number = { (name: String) in (counts[name] as? NSNumber)?.doubleValue ?? .nan }
        return Traffic(requests: number("requests"), roundTrips: number("round_trips"), bytes: number("bytes"))
    }

    private static func median(_ traffic: [Traffic]) -> Traffic? {
        guard !traffic.isEmpty else { return nil }
        return Traffic(
            requests: BenchTable.median(traffic.map(\.requests)), roundTrips: BenchTable.median(traffic.map(\.roundTrips)),
            bytes: BenchTable.median(traffic.map(\.bytes)))
    }

    private func verify(_ request: [String: Any], row: String) throws {
        guard try session.check(request) else { throw BenchError.wrongAnswer(row: row, reader: "nwbpeek") }
    }
}

/// The shape of a benchmark recording and the reads its rows make: a 0.1 s window from the middle
/// of the raw series, and the spike times of the middle unit.
struct Recording {
    let channels: Int
    let megabytes: Int
    /// Bytes of the whole raw series and of the window (int16 samples).
    let bytes: Int
    var windowBytes: Int { window.count * channels * 2 }
    let window: Range<Int>
    let unit: Int

    init(session: PeerSession, file: String) throws {
        let shape = try session.send(["op": "describe", "file": file])
        guard let samples = shape["samples"] as? Int, let channels = shape["channels"] as? Int,
              let rate = shape["rate"] as? Double, let units = shape["units"] as? Int
        else { throw BenchError.peerFailed(operation: "describe", reason: "an incomplete answer") }
        self.channels = channels
        bytes = samples * channels * 2
        megabytes = bytes / 1_048_576
        let start = samples / 2
        window = start..<(start + Int(rate / 10))
        unit = units / 2
    }

    var windowText: String { "\(window.lowerBound):\(window.upperBound)" }

    func windowRequest(reader: String, source: String) -> [String: Any] {
        ["task": "window", "reader": reader, "source": source, "start": window.lowerBound, "stop": window.upperBound]
    }

    func spikesRequest(reader: String, source: String) -> [String: Any] {
        ["task": "spikes", "reader": reader, "source": source, "unit": unit]
    }

    func spikeArguments(source: String) -> [String] {
        ["table", source, "/units", "--rows", "\(unit):\(unit + 1)", "--columns", "spike_times", "--format", "json"]
    }
}
