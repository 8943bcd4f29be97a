import ByteKit
import CCurl
import Synchronization

/// One ranged GET as the transfer thread performs it: what to ask for, and where the body goes.
struct TransferRequest: Sendable {
    var url: String
    /// Every header, Range and authentication included.
    var headers: [(name: String, value: String)]
    /// The bytes asked for (the Range header says the same).
    var range: ByteRange
    /// False for the first read of an object, whose size is not known yet: the answer may then
    /// be shorter than `range` (the object is smaller) and must say the size.
    var sizeKnown: Bool
    /// The last `range.length` bytes of the object are asked for (`bytes=-N`), wherever they
    /// start: `range.offset` is unused and the answer's Content-Range says where they are.
    var isSuffix = false
    /// A HEAD request: no body is asked for or taken (`range` is empty).
    var headOnly = false
    /// Where the body goes: `range.length` bytes of `buffer` from `bufferOffset`.
    var buffer: ReceiveBuffer
    var bufferOffset: Int
    var limits: TransferLimits

    /// Longer than `HTTPSource.Options.smallTransferLength`: limited by bandwidth rather than by
    /// the round trip (`CurlTransferDriver`).
    var isLarge: Bool { range.length > HTTPSource.Options.smallTransferLength }
}

/// libcurl's time limits for one attempt, in milliseconds and bytes per second.
struct TransferLimits: Sendable {
    var connectTimeoutMilliseconds: Int
    var totalTimeoutMilliseconds: Int
    var lowSpeedBytesPerSecond: Int
    var lowSpeedSeconds: Int
}

/// What one attempt gave.
struct TransferOutcome: Sendable {
    /// The status of the last response (after redirects); 0 when none arrived.
    var status = 0
    /// The last response's headers, names in lower case.
    var headers: [String: String] = [:]
    /// libcurl's result code (`CURLE_OK` is 0) and its explanation.
    var curlCode: UInt32 = 0
    var curlMessage = ""
    /// Bytes of the range written to the buffer, from its start; they were checked to be the
    /// range's bytes (a 206 whose Content-Range matched, or the right window of a 200).
    var received = 0
    /// The length the answer promised: the range's, or less for a first read of a small object.
    var expected = 0
    /// Why the body was refused, when it was.
    var bodyProblem: BodyProblem?
    /// The start of an error response's body (S3 explains itself there in XML).
    var errorBody = ""
    /// The server sent the whole object (200) for a range request; we kept only the range.
    var answeredWithWholeObject = false
    /// The object's size, from Content-Range or (for a 200) Content-Length.
    var objectSize: UInt64?
    /// Where the bytes received start in the object: for a suffix request, from Content-Range.
    var bodyOffset: UInt64?
    /// A connection was made (or reused) and the request went out: a time-out without it is a
    /// connect that never completed.
    var requestSent = false
    /// The URL the last response came from, after redirects.
    var effectiveURL: String?

    /// The whole range arrived, checked.
    var isComplete: Bool { bodyProblem == nil && expected > 0 && received == expected }

    enum BodyProblem: Sendable, Equatable {
        case wrongContentRange(String)
        case overlong
    }
}

/// Set when the task waiting for a transfer is cancelled; the transfer thread then stops the transfer
/// (closing its connection) instead of letting it run to its end.
final class TransferCancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    var isCancelled: Bool { flag.load(ordering: .acquiring) }

    func cancel() { flag.store(true, ordering: .releasing) }
}

/// The state of one transfer while libcurl runs it. Touched only by the transfer thread once
/// submitted.
final class CurlTransfer: @unchecked Sendable {
    let request: TransferRequest
    let continuation: CheckedContinuation<TransferOutcome, Never>
    let cancellation: TransferCancellation
    let curl: CurlLibrary
    var outcome = TransferOutcome()
    var headerList: UnsafeMutablePointer<curl_slist>?
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    /// How the body is taken, decided when the first body byte (or the end) arrives.
    enum BodyMode {
        case undecided
        /// Copy every byte into the buffer, up to `outcome.expected`.
        case copy
        /// A 200: skip `skip` more bytes of the stream, then copy until `outcome.expected`.
        case window(skip: UInt64)
        /// An error response: keep the start of the body for the message.
        case errorBody
    }
    var mode = BodyMode.undecided
    /// Set when a 200's window was filled and the transfer was stopped on purpose.
    var stoppedSatisfied = false

    static let errorBodyLimit = 4096

    init(
        request: TransferRequest, continuation: CheckedContinuation<TransferOutcome, Never>,
        cancellation: TransferCancellation, curl: CurlLibrary
    ) {
        self.request = request
        self.continuation = continuation
        self.cancellation = cancellation
        self.curl = curl
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        nwbpeek_curl_slist_free_all(curl.functions.slist_free_all, headerList)
        errorBuffer.deallocate()
    }

    /// One header line (libcurl calls this per line, status lines included, for every response
    /// of a redirect chain).
    func receiveHeader(_ line: String) {
        let trimmed = line.trimmingWhitespace()
        if trimmed.hasPrefix("HTTP/") {
            let fields = trimmed.split(separator: " ", maxSplits: 2)
            outcome.status = fields.count > 1 ? Int(fields[1]) ?? 0 : 0
            outcome.headers = [:]
            return
        }
        guard let colon = trimmed.firstIndex(of: ":") else { return }
        let name = trimmed[..<colon].lowercased()
        outcome.headers[name] = String(trimmed[trimmed.index(after: colon)...]).trimmingWhitespace()
    }

    /// Chooses how to take the body from the status and headers, once they are all in.
    func decideMode() {
        guard case .undecided = mode else { return }
        let range = request.range
        switch outcome.status {
        case 206:
            guard let contentRange = outcome.headers["content-range"] else {
                outcome.bodyProblem = .wrongContentRange("none")
                mode = .errorBody
                return
            }
            let parsed = ContentRange(parsing: contentRange)
            let matches: Bool
            if request.isSuffix {
                // The object's last bytes: as many as asked for, or all of a smaller object.
                matches = parsed.map { $0.total == $0.last + 1 && $0.last - $0.first + 1 == min(range.length, $0.last + 1) } ?? false
            } else if let parsed, let end = range.end, parsed.first == range.offset, parsed.last < end {
                // A first read may come back shorter, ending where the object ends.
                matches = request.sizeKnown ? parsed.last + 1 == end : parsed.total.map { parsed.last + 1 == min(end, $0) } ?? false
            } else {
                matches = false
            }
            guard let parsed, matches else {
                outcome.bodyProblem = .wrongContentRange(contentRange)
                mode = .errorBody
                return
            }
            outcome.objectSize = parsed.total
            outcome.bodyOffset = parsed.first
            outcome.expected = Int(parsed.last + 1 - parsed.first)
            mode = .copy
        case 200 where request.isSuffix:
            // The whole object is not read to find its end.
            outcome.bodyProblem = .wrongContentRange("none (the whole object, for a suffix range)")
            mode = .errorBody
        case 200:
            outcome.answeredWithWholeObject = true
            let length = outcome.headers["content-length"].flatMap { UInt64($0) }
            outcome.objectSize = length
            var expected = range.length
            if !request.sizeKnown, let length { expected = min(expected, length > range.offset ? length - range.offset : 0) }
            outcome.expected = Int(expected)
            mode = .window(skip: range.offset)
        default:
            mode = .errorBody
        }
    }

    /// Takes `count` body bytes; returns false to stop the transfer.
    func receiveBody(_ data: UnsafeRawBufferPointer) -> Bool {
        decideMode()
        var data = data
        switch mode {
        case .undecided, .errorBody:
            let room = Self.errorBodyLimit - outcome.errorBody.utf8.count
            if room > 0 { outcome.errorBody += String(decoding: data.prefix(room), as: UTF8.self) }
            return outcome.bodyProblem == nil
        case .window(let skip):
            let skipped = Int(min(skip, UInt64(data.count)))
            data = UnsafeRawBufferPointer(rebasing: data[skipped...])
            mode = .window(skip: skip - UInt64(skipped))
            guard skip == UInt64(skipped) else { return true }
            let wanted = min(data.count, outcome.expected - outcome.received)
            copy(UnsafeRawBufferPointer(rebasing: data[..<wanted]))
            if outcome.received == outcome.expected {
                // The rest of the object is not wanted: stop rather than read it.
                stoppedSatisfied = true
                return false
            }
            return true
        case .copy:
            guard data.count <= outcome.expected - outcome.received else {
                outcome.bodyProblem = .overlong
                return false
            }
            copy(data)
            return true
        }
    }

    private func copy(_ data: UnsafeRawBufferPointer) {
        guard let source = data.baseAddress, !data.isEmpty else { return }
        let destination = request.buffer.mutableBaseAddress + request.bufferOffset + outcome.received
        destination.copyMemory(from: source, byteCount: data.count)
        outcome.received += data.count
    }

    /// Records libcurl's result and hands the outcome back.
    func finish(code: CURLcode) {
        decideMode()
        let stoppedOnPurpose = code == CURLE_WRITE_ERROR && (stoppedSatisfied || outcome.bodyProblem != nil)
        if !stoppedOnPurpose, code != CURLE_OK {
            outcome.curlCode = code.rawValue
            let detail = String(cString: errorBuffer)
            outcome.curlMessage = detail.isEmpty ? nwbpeek_curl_easy_strerror(curl.functions.easy_strerror, code).map { String(cString: $0) } ?? "libcurl error \(code.rawValue)" : detail
        }
        if outcome.status == 200, !request.sizeKnown, outcome.objectSize == nil, code == CURLE_OK {
            // A 200 without Content-Length that ended before the window filled: that was all.
            outcome.objectSize = UInt64(outcome.received)
            outcome.expected = outcome.received
        }
        continuation.resume(returning: outcome)
    }
}

/// A Content-Range header: `bytes FIRST-LAST/TOTAL` (RFC 9110, 14.4), TOTAL possibly `*`.
public struct ContentRange: Equatable, Sendable {
    public var first: UInt64
    public var last: UInt64
    public var total: UInt64?

    /// Parses a header's value; nil unless it is a satisfied byte range.
    public init?(parsing header: String) {
        let value = header.trimmingWhitespace()
        guard value.lowercased().hasPrefix("bytes ") else { return nil }
        let spec = value.dropFirst("bytes ".count)
        let halves = spec.split(separator: "/", omittingEmptySubsequences: false)
        guard halves.count == 2 else { return nil }
        let bounds = halves[0].split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 2, let first = UInt64(bounds[0]), let last = UInt64(bounds[1]), first <= last else {
            return nil
        }
        self.first = first
        self.last = last
        if halves[1] == "*" {
            total = nil
        } else {
            guard let total = UInt64(halves[1]), last < total else { return nil }
            self.total = total
        }
    }

    /// The size in an unsatisfied range's header, `bytes */TOTAL` (sent with a 416).
    public static func unsatisfiedTotal(_ header: String) -> UInt64? {
        let value = header.trimmingWhitespace()
        guard value.lowercased().hasPrefix("bytes */") else { return nil }
        return UInt64(value.dropFirst("bytes */".count))
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
