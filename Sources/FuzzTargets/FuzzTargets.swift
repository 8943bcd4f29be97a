import ByteKit
import ByteSources
import ArrayEngine
import Codecs
import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import HDF5
import HDF5Format

/// The entry points the libFuzzer harnesses (`Sources/fuzz-*`) call with each input. Every
/// input must end in a result or a typed error; anything else (a trap, a hang, an untyped
/// error) is a finding.
public enum FuzzTargets {
    /// Opens the bytes as a file, walks the whole tree, decodes every attribute and reads every
    /// stored chunk of every dataset, as `nwbpeek check` does.
    public static func file(_ bytes: [UInt8]) {
        runBlocking {
            do {
                let file = try await HDF5File(source: MemorySource(name: "fuzz input", bytes: bytes))
                let entries = try await file.walk(from: "/", recursive: true)
                let paths = try await file.referencedPaths(in: entries)
                for entry in entries {
                    _ = try? entry.json(paths: paths)
                    if case .object(let object) = entry.target, object.kind == .dataset {
                        do { _ = try await file.checkData(of: object) } catch { requireTyped(error) }
                    }
                }
            } catch {
                requireTyped(error)
            }
        }
    }

    /// The first byte picks a header message type (IV.A.2); the rest is the message's body.
    public static func message(_ bytes: [UInt8]) {
        guard let selector = bytes.first else { return }
        let body = Bytes(Array(bytes.dropFirst()))
        let context = FormatContext(offsetSize: 8, lengthSize: 8, baseAddress: 0)
        var cursor = ByteCursor(bytes: body, baseOffset: 0, structure: "fuzz message")
        do {
            switch selector % 16 {
            case 0: _ = try Dataspace(parsing: &cursor, context: context)
            case 1: _ = try Datatype(parsing: &cursor)
            case 2: _ = try DataLayoutMessage(parsing: &cursor, context: context)
            case 3: _ = try FilterPipelineMessage(parsing: &cursor, context: context)
            case 4: _ = try AttributeMessage(parsing: &cursor, context: context)
            case 5: _ = try LinkMessage(parsing: &cursor, context: context)
            case 6: _ = try LinkInfoMessage(parsing: &cursor, context: context)
            case 7: _ = try AttributeInfoMessage(parsing: &cursor, context: context)
            case 8: _ = try FillValueMessage(parsing: &cursor, context: context)
            case 9: _ = try FillValueMessage(parsingOld: &cursor, context: context)
            case 10: _ = try ExternalDataFilesMessage(parsing: &cursor, context: context)
            case 11: _ = try SharedMessage(parsing: &cursor, context: context)
            case 12: _ = try SymbolTableMessage(parsing: &cursor, context: context)
            case 13: _ = try BTreeKValuesMessage(parsing: &cursor, context: context)
            case 14: _ = try ObjectModificationTimeMessage(parsing: &cursor, context: context)
            default: _ = try ObjectModificationTimeMessage(parsingOld: &cursor, context: context)
            }
        } catch {
            requireTyped(error)
        }
    }

    /// Byte 0 picks a filter, bytes 1–2 the decoded chunk size (little-endian), byte 3 the
    /// element size, bytes 4–11 two words of client data; the rest is the stored chunk.
    public static func codec(_ bytes: [UInt8]) {
        guard bytes.count >= 12 else { return }
        let filters: [UInt16] = [1, 2, 3, 4, 5, 6, 32000, 32001, 32004, 32008, 32015]
        let id = filters[Int(bytes[0]) % filters.count]
        let chunkSize = Int(bytes[1]) | Int(bytes[2]) << 8
        let elementSize = Int(bytes[3] % 16) + 1
        let word = { (at: Int) in (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
        let pipeline = CodecPipeline(
            filters: [(id: id, clientData: [word(4), word(8)], isOptional: false)], elementSize: elementSize,
            chunkByteCount: chunkSize)
        do {
            _ = try pipeline.decode(Bytes(Array(bytes.dropFirst(12))), filterMask: 0)
        } catch {
            requireTyped(error)
        }
    }

    /// The HTTP client's parsing and planning: byte 0 picks the part. 0: the input as a
    /// Content-Range header (and as the total of an unsatisfied one). Else: the rest as ranges of
    /// 12 bytes (8-byte offset, 4-byte length) for the range coalescer, whose plan must cover each
    /// range exactly once, with disjoint spans in order.
    public static func remote(_ bytes: [UInt8]) {
        guard let selector = bytes.first else { return }
        let body = Array(bytes.dropFirst())
        if selector % 2 == 0 {
            let text = String(decoding: body, as: UTF8.self)
            if let range = ContentRange(parsing: text) {
                precondition(range.first <= range.last && (range.total.map { range.last < $0 } ?? true))
            }
            _ = ContentRange.unsatisfiedTotal(text)
            return
        }
        let ranges = stride(from: 0, to: body.count - 11, by: 12).map { start -> ByteRange in
            let offset = (0..<8).reduce(UInt64(0)) { $0 | UInt64(body[start + $1]) << (8 * $1) } >> 16
            let length = (0..<4).reduce(UInt64(0)) { $0 | UInt64(body[start + 8 + $1]) << (8 * $1) }
            return ByteRange(offset: offset, length: length)
        }
        let coalescer = RangeCoalescer(mergeGap: UInt64(selector) << 8, partLength: UInt64(selector) << 12 + 1)
        let plan = coalescer.plan(ranges)
        for (previous, next) in zip(plan.spans, plan.spans.dropFirst()) {
            precondition((previous.range.end ?? .max) <= next.range.offset, "spans overlap or are out of order")
        }
        for (range, placement) in zip(ranges, plan.placements) {
            guard let placement else {
                precondition(range.length == 0, "a non-empty range without a span")
                continue
            }
            let span = plan.spans[placement.span].range
            precondition(span.offset + placement.offset == range.offset, "a range placed at the wrong offset")
            precondition(placement.offset + range.length <= span.length, "a range past its span")
        }
    }

    /// A harness's `main`: built with `-sanitize=fuzzer -DFUZZING` (`make fuzz`), hands `target`
    /// to libFuzzer's driver; built normally, replays the files named on the command line.
    public static func main(_ target: @escaping ([UInt8]) -> Void) throws {
        #if FUZZING
        exit(runFuzzer(target))
        #else
        try replay(Array(CommandLine.arguments.dropFirst()), target: target)
        #endif
    }

    /// Runs `target` on each file named in `arguments` (the replay mode of a harness built
    /// without libFuzzer: `make test` replays the committed regression inputs this way).
    public static func replay(_ paths: [String], target: ([UInt8]) -> Void) throws {
        for path in paths {
            let source = try MappedFileSource(path: path)
            target(source.contents.array)
            print("replayed \(path)")
        }
    }

    /// A thrown error must be one of the project's typed errors.
    static func requireTyped(_ error: any Error) {
        switch error {
        case is HDF5Error, is ByteSourceError, is ArrayError, is CodecError: return
        default: preconditionFailure("untyped error \(type(of: error)): \(error)")
        }
    }

    /// Runs async work to completion from the synchronous fuzzer callback.
    static func runBlocking(_ body: @escaping @Sendable () async -> Void) {
        let done = DispatchSemaphore(value: 0)
        Task {
            await body()
            done.signal()
        }
        done.wait()
    }
}

#if FUZZING
/// libFuzzer's driver (compiler-rt's `LLVMFuzzerRunDriver`), for harnesses whose `main` is Swift's.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The target libFuzzer calls; set once by `runFuzzer` before the driver starts.
nonisolated(unsafe) private var currentTarget: (([UInt8]) -> Void)?

/// Runs libFuzzer on `target` with the process's arguments; returns its exit status.
func runFuzzer(_ target: @escaping ([UInt8]) -> Void) -> CInt {
    currentTarget = target
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        guard let data else { return 0 }
        currentTarget?(Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
}
#endif
