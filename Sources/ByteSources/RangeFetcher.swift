import ByteKit
import CCurl
import Foundation
import Synchronization

/// Fetches one range of an HTTP object into a buffer, retrying what is transient: each attempt
/// asks only for the bytes still missing, every answer is checked (status, Content-Range, body
/// length, ETag) before its bytes count, and the backoff between attempts is full-jitter
/// exponential (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015), lengthened to a 429's
/// or 503's `Retry-After` (up to `maximumBackoff`, and never past the read's deadline).
struct RangeFetcher: Sendable {
    /// The URL given, which errors name.
    let url: String
    let signer: (any RequestSigner)?
    let options: HTTPSource.Options
    let driver: CurlTransferDriver
    let recorder: StatisticsRecorder
    /// What pins the object's version, learned by the first read.
    var validator: Validator?
    /// Where requests go, shared by every copy of this fetcher: `url`, or for an unsigned source
    /// the URL its redirects led to, so that only the first request follows them (an archive's
    /// download URL answers each request with a redirect to a presigned one).
    let location: Location

    init(
        url: String, signer: (any RequestSigner)?, options: HTTPSource.Options, driver: CurlTransferDriver,
        recorder: StatisticsRecorder, validator: Validator?
    ) {
        self.url = url
        self.signer = signer
        self.options = options
        self.driver = driver
        self.recorder = recorder
        self.validator = validator
        location = Location(url)
    }

    /// The URL requests go to.
    final class Location: Sendable {
        private let current: Mutex<String>

        init(_ url: String) { current = Mutex(url) }

        var url: String { current.withLock { $0 } }

        func move(to url: String) { current.withLock { $0 = url } }
    }

    /// How later requests make sure they read the version of the object that was opened.
    enum Validator: Sendable, Equatable {
        /// A strong ETag: sent as If-Match, so a replaced object answers 412.
        case strongTag(String)
        /// A weak ETag cannot be used with If-Match (RFC 9110, 13.1.1 compares strongly), so it
        /// is only compared with each response's.
        case weakTag(String)
        /// No ETag: Last-Modified, sent as If-Unmodified-Since.
        case lastModified(String)

        init?(headers: [String: String]) {
            if let tag = headers["etag"], !tag.isEmpty {
                self = tag.hasPrefix("W/") ? .weakTag(tag) : .strongTag(tag)
            } else if let date = headers["last-modified"], !date.isEmpty {
                self = .lastModified(date)
            } else {
                return nil
            }
        }

        var requestHeaders: [(name: String, value: String)] {
            switch self {
            case .strongTag(let tag): return [("If-Match", tag)]
            case .weakTag: return []
            case .lastModified(let date): return [("If-Unmodified-Since", date)]
            }
        }

        /// How a person recognises the version in a message.
        var label: String {
            switch self {
            case .strongTag(let tag), .weakTag(let tag): return tag
            case .lastModified(let date): return "last modified \(date)"
            }
        }

        /// Whether a successful response's headers show another version.
        func isContradicted(by headers: [String: String]) -> Bool {
            switch self {
            case .strongTag(let tag), .weakTag(let tag):
                guard let seen = headers["etag"] else { return false }
                return Self.opaque(seen) != Self.opaque(tag)
            case .lastModified(let date):
                guard let seen = headers["last-modified"] else { return false }
                return seen != date
            }
        }

        private static func opaque(_ tag: String) -> Substring {
            tag.hasPrefix("W/") ? tag.dropFirst(2) : Substring(tag)
        }
    }

    /// What a completed fetch learned besides the bytes.
    struct Result: Sendable {
        /// Bytes written: the range's length, or less for a first read of a smaller object.
        var received: Int
        var objectSize: UInt64?
        var headers: [String: String]
    }

    /// Fetches `range` into `buffer` at `bufferOffset`. With `sizeKnown` false (the first read) the
    /// object may be shorter than the range, and its size is learned from the answer.
    func fetch(
        _ range: ByteRange, into buffer: ReceiveBuffer, at bufferOffset: Int, sizeKnown: Bool,
        deadline: ContinuousClock.Instant
    ) async throws -> Result {
        var range = range
        var sizeKnown = sizeKnown
        var received = 0
        var objectSize: UInt64?
        var lastFailure: HTTPSourceError?
        var serverAsked: Duration?
        for attempt in 1...max(1, options.maximumAttempts) {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { throw deadlineError(last: lastFailure) }
            if attempt > 1 {
                let delay = Self.retryDelay(
                    backoff: backoff(beforeAttempt: attempt), serverAsked: serverAsked, maximum: options.maximumBackoff)
                // A wait that would end past the deadline gives up now rather than later.
                guard delay < remaining else { throw deadlineError(last: lastFailure) }
                try await Task.sleep(for: delay)
            }
            let asked = ByteRange(offset: range.offset + UInt64(received), length: range.length - UInt64(received))
            let target = location.url
            let outcome = await attemptOnce(
                asked, to: target, into: buffer, at: bufferOffset + received, sizeKnown: sizeKnown,
                timeout: ContinuousClock.now.duration(to: deadline), isRetry: attempt > 1)
            // A cancelled read's transfer was stopped: its outcome is no failure to retry or report.
            try Task.checkCancellation()
            if let validator, (200..<300).contains(outcome.status), validator.isContradicted(by: outcome.headers) {
                throw HTTPSourceError.objectChanged(url: url, openedETag: validator.label)
            }
            if signer == nil, (200..<300).contains(outcome.status), let effective = outcome.effectiveURL, effective != target {
                location.move(to: effective)
            }
            if target != url, outcome.status == 403 {
                // A redirect's target that refuses (a presigned URL past its expiry): the next
                // attempt asks the URL given again, whose redirect leads to a new one.
                location.move(to: url)
                lastFailure = classify(outcome, asked: asked).0
                continue
            }
            // Checked bytes count even when the transfer broke off afterwards: a retry asks for the
            // rest. A body that ran long is suspect as a whole and is fetched again.
            if outcome.bodyProblem == nil { received += outcome.received }
            if objectSize == nil { objectSize = outcome.objectSize }
            if outcome.isComplete || (outcome.status == 200 && outcome.expected == 0 && outcome.curlCode == 0) {
                return Result(received: received, objectSize: objectSize, headers: outcome.headers)
            }
            if !sizeKnown, outcome.status == 416,
                let total = outcome.headers["content-range"].flatMap(ContentRange.unsatisfiedTotal), total == 0
            {
                return Result(received: 0, objectSize: 0, headers: outcome.headers)
            }
            if !sizeKnown, let size = objectSize, received > 0 {
                // The first read broke off, but the size is known now: ask for the rest of what exists.
                range.length = min(range.length, size)
                sizeKnown = true
            } else if !sizeKnown {
                received = 0
            }
            let (failure, retryable) = classify(outcome, asked: asked)
            guard retryable else { throw failure }
            lastFailure = failure
            serverAsked = Self.retryAfter(outcome)
        }
        throw HTTPSourceError.retriesExhausted(
            url: url, attempts: max(1, options.maximumAttempts),
            last: lastFailure ?? .transferFailed(url: url, reason: "no attempt was made"))
    }

    /// Fetches the object's last `length` bytes (fewer when it is smaller) into `buffer`, in one
    /// attempt: a speculative read, which gives nil on any failure rather than retrying.
    func fetchSuffix(
        length: UInt64, into buffer: ReceiveBuffer, deadline: ContinuousClock.Instant
    ) async -> (offset: UInt64, bytes: Int, objectSize: UInt64, headers: [String: String])? {
        let outcome = await attemptOnce(
            ByteRange(offset: 0, length: length), to: location.url, into: buffer, at: 0, sizeKnown: false,
            timeout: ContinuousClock.now.duration(to: deadline), isRetry: false, isSuffix: true)
        guard outcome.isComplete, let offset = outcome.bodyOffset, let size = outcome.objectSize else { return nil }
        return (offset, outcome.received, size, outcome.headers)
    }

    /// Makes one HEAD request of the object and drops its answer: what is left is an open
    /// connection, which the next request reuses (`Options.spareConnections`).
    func openSpareConnection(deadline: ContinuousClock.Instant) async {
        let noBody = ReceiveBuffer(count: 0)
        let timeout = ContinuousClock.now.duration(to: deadline)
        _ = await attemptOnce(
            ByteRange(offset: 0, length: 0), to: location.url, into: noBody, at: 0, sizeKnown: false, timeout: timeout,
            isRetry: false, headOnly: true)
    }

    private func attemptOnce(
        _ range: ByteRange, to target: String, into buffer: ReceiveBuffer, at bufferOffset: Int, sizeKnown: Bool,
        timeout: Duration, isRetry: Bool, isSuffix: Bool = false, headOnly: Bool = false
    ) async -> TransferOutcome {
        var headers: [(name: String, value: String)] = []
        if !headOnly {
            let asked = isSuffix ? "-\(range.length)" : "\(range.offset)-\(range.offset + range.length - 1)"
            headers.append(("Range", "bytes=\(asked)"))
        }
        headers += validator?.requestHeaders ?? []
        if let signer {
            do {
                headers += try signer.authorizationHeaders(
                    method: headOnly ? "HEAD" : "GET", url: target, headers: headers, date: Date())
            } catch {
                var outcome = TransferOutcome()
                outcome.curlCode = CURLE_AUTH_ERROR.rawValue
                outcome.curlMessage = "signing the request failed: \(error)"
                return outcome
            }
        }
        recorder.record { statistics in
            statistics.requests += 1
            if isRetry { statistics.retries += 1 }
        }
        let limits = TransferLimits(
            connectTimeoutMilliseconds: options.connectTimeout.milliseconds,
            totalTimeoutMilliseconds: timeout.milliseconds,
            lowSpeedBytesPerSecond: options.lowSpeedBytesPerSecond,
            lowSpeedSeconds: max(1, options.lowSpeedTime.milliseconds / 1000))
        let outcome = await driver.perform(
            TransferRequest(
                url: target, headers: headers, range: range, sizeKnown: sizeKnown, isSuffix: isSuffix, headOnly: headOnly,
                buffer: buffer, bufferOffset: bufferOffset, limits: limits))
        recorder.record { $0.bytesFetched += UInt64(outcome.received) }
        return outcome
    }

    /// Full jitter: a uniformly random wait up to `initial * 2^(retry - 1)`, capped.
    private func backoff(beforeAttempt attempt: Int) -> Duration {
        let ceiling = min(
            options.maximumBackoff,
            options.initialBackoff * Double(1 << min(attempt - 2, 30)))
        return ceiling * Double.random(in: 0...1)
    }

    /// The wait before a retry: the backoff, or the server's `Retry-After` when that is longer, but
    /// never more than `maximum`: a server asking for minutes would otherwise stall an interactive
    /// read, which is better failed with the server's status.
    static func retryDelay(backoff: Duration, serverAsked: Duration?, maximum: Duration) -> Duration {
        min(maximum, max(backoff, serverAsked ?? .zero))
    }

    /// The wait a 429 or 503 (SlowDown included) asks for in `Retry-After`, a date being measured
    /// from the answer's own `Date` when it has one.
    static func retryAfter(_ outcome: TransferOutcome) -> Duration? {
        guard outcome.status == 429 || outcome.status == 503, let value = outcome.headers["retry-after"] else {
            return nil
        }
        let answered = outcome.headers["date"].flatMap { HTTPDate.parse($0) } ?? Date()
        return RetryAfter(headerValue: value, now: answered)?.delay
    }

    private func deadlineError(last: HTTPSourceError?) -> HTTPSourceError {
        .deadlineExceeded(url: url, seconds: Double(options.readDeadline.milliseconds) / 1000, last: last)
    }

    /// The error an unsuccessful attempt stands for, and whether trying again may help.
    private func classify(_ outcome: TransferOutcome, asked: ByteRange) -> (HTTPSourceError, retryable: Bool) {
        let message = Self.serverMessage(outcome.errorBody)
        switch outcome.bodyProblem {
        case .wrongContentRange(let received):
            return (.wrongContentRange(url: url, requested: asked, received: received), true)
        case .overlong:
            return (.incompleteBody(url: url, range: asked, received: outcome.expected + 1, expected: outcome.expected), true)
        case nil:
            break
        }
        switch outcome.status {
        case 200, 206:
            return (.incompleteBody(url: url, range: asked, received: outcome.received, expected: outcome.expected), true)
        case 403:
            return (.accessDenied(url: url, identity: signer?.identityDescription, serverMessage: message), false)
        case 404, 410:
            return (.notFound(url: url), false)
        case 412:
            return (.objectChanged(url: url, openedETag: validator?.label ?? "unknown"), false)
        case 416:
            let size = outcome.headers["content-range"].flatMap(ContentRange.unsatisfiedTotal)
            return (.rangeNotSatisfiable(url: url, range: asked, serverSize: size), false)
        case 408, 429, 500, 502, 503, 504:
            return (.unexpectedStatus(url: url, status: outcome.status, serverMessage: message), true)
        case 400 where outcome.errorBody.contains("<Code>RequestTimeout</Code>"):
            // S3's "your socket connection was not read from or written to within the timeout".
            return (.unexpectedStatus(url: url, status: outcome.status, serverMessage: message), true)
        case 0:
            return classifyTransport(outcome)
        default:
            return (.unexpectedStatus(url: url, status: outcome.status, serverMessage: message), false)
        }
    }

    private func classifyTransport(_ outcome: TransferOutcome) -> (HTTPSourceError, retryable: Bool) {
        let code = CURLcode(rawValue: outcome.curlCode)
        let reason = outcome.curlMessage
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return (.hostNotFound(host: host, reason: reason), false)
        case CURLE_COULDNT_CONNECT:
            return (.cannotConnect(host: host, reason: reason), true)
        case CURLE_OPERATION_TIMEDOUT where !outcome.requestSent:
            // The connect time-out (a dropped SYN, a firewall's black hole, a TLS handshake that stalls).
            return (.cannotConnect(host: host, reason: reason), true)
        case CURLE_OPERATION_TIMEDOUT, CURLE_PARTIAL_FILE, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING,
            CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_SSL_CONNECT_ERROR:
            return (.transferFailed(url: url, reason: reason), true)
        default:
            return (.transferFailed(url: url, reason: reason), false)
        }
    }

    /// The host named by the URL, for connection errors.
    var host: String {
        guard let components = URLComponents(string: url), let name = components.host else { return url }
        return components.port.map { "\(name):\($0)" } ?? name
    }

    /// S3's `<Code>` and `<Message>` from an XML error body, or the body's start.
    static func serverMessage(_ body: String) -> String {
        func element(_ name: String) -> String? {
            guard let open = body.range(of: "<\(name)>"), let close = body.range(of: "</\(name)>"),
                open.upperBound <= close.lowerBound
            else { return nil }
            return String(body[open.upperBound..<close.lowerBound])
        }
        if let code = element("Code") {
            return element("Message").map { "\(code): \($0)" } ?? code
        }
        let start = body.trimmingWhitespace().prefix(200)
        return start.contains("<") ? "" : String(start)
    }
}
