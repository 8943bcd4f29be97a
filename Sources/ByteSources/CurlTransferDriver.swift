import CCurl
import Foundation
import Synchronization

/// Runs HTTP transfers on libcurl's multi interface from one dedicated thread.
///
/// Callers `await perform(_:)` from any task; the request is queued, the thread is woken
/// (`curl_multi_wakeup`), and the thread's `curl_multi_poll` loop runs at most
/// `maximumConcurrentTransfers` transfers at once, of which `maximumLargeTransfers` longer than
/// `HTTPSource.Options.smallTransferLength`, in the order they came, resuming each caller when
/// its transfer ends.
/// The multi handle keeps finished connections open for reuse (keep-alive) and multiplexes
/// transfers over one HTTP/2 connection when the server offers it (`CURLPIPE_MULTIPLEX`).
final class CurlTransferDriver: Sendable {
    private struct Queue: ~Copyable {
        var submitted: [CurlTransfer] = []
        var shuttingDown = false
    }

    /// `CURLM *`, used by the thread only, except for the thread-safe `curl_multi_wakeup`.
    private nonisolated(unsafe) let multi: UnsafeMutableRawPointer
    private let queue = Mutex(Queue())
    private let maximumConcurrentTransfers: Int
    private let maximumLargeTransfers: Int

    private let curl: CurlLibrary

    init(maximumConcurrentTransfers: Int, maximumLargeTransfers: Int, maximumConnectionsPerHost: Int) throws(HTTPSourceError) {
        let curl = try CurlLibrary.shared.get()
        guard let multi = nwbpeek_curl_multi_init(curl.functions.multi_init) else {
            throw HTTPSourceError.transportUnavailable(reason: "libcurl could not create a multi handle")
        }
        self.curl = curl
        self.multi = multi
        self.maximumConcurrentTransfers = max(1, maximumConcurrentTransfers)
        self.maximumLargeTransfers = max(1, maximumLargeTransfers)
        _ = nwbpeek_curl_multi_setopt_long(curl.functions.multi_setopt, multi, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        _ = nwbpeek_curl_multi_setopt_long(curl.functions.multi_setopt, multi, CURLMOPT_MAX_HOST_CONNECTIONS, max(1, maximumConnectionsPerHost))
        // Keep as many idle connections as could be busy at once, for reuse.
        _ = nwbpeek_curl_multi_setopt_long(curl.functions.multi_setopt, multi, CURLMOPT_MAXCONNECTS, max(4, maximumConcurrentTransfers))
        let thread = Thread { [self] in run() }
        thread.name = "nwbpeek-http"
        thread.start()
    }

    /// Runs one transfer and returns what it gave; never throws (failures are in the outcome). When
    /// the calling task is cancelled the transfer is stopped, its outcome `CURLE_ABORTED_BY_CALLBACK`.
    func perform(_ request: TransferRequest) async -> TransferOutcome {
        let cancellation = TransferCancellation()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let transfer = CurlTransfer(request: request, continuation: continuation, cancellation: cancellation, curl: curl)
                let accepted = queue.withLock { queue in
                    guard !queue.shuttingDown else { return false }
                    queue.submitted.append(transfer)
                    return true
                }
                if accepted {
                    nwbpeek_curl_multi_wakeup(curl.functions.multi_wakeup, multi)
                } else {
                    transfer.outcome.curlMessage = "the source was closed"
                    transfer.finish(code: CURLE_ABORTED_BY_CALLBACK)
                }
            }
        } onCancel: {
            cancellation.cancel()
            nwbpeek_curl_multi_wakeup(curl.functions.multi_wakeup, multi)
        }
    }

    /// Stops the thread: queued and running transfers end with an error, the handles are freed.
    func shutdown() {
        queue.withLock { $0.shuttingDown = true }
        nwbpeek_curl_multi_wakeup(curl.functions.multi_wakeup, multi)
    }

    // MARK: The transfer thread

    private func run() {
        var running: [UnsafeMutableRawPointer: CurlTransfer] = [:]
        var waiting: [CurlTransfer] = []
        var waitingStart = 0
        while true {
            let (submitted, shuttingDown) = queue.withLock { queue in
                defer { queue.submitted.removeAll() }
                return (queue.submitted, queue.shuttingDown)
            }
            waiting += submitted
            if shuttingDown {
                for (handle, transfer) in running { end(handle, transfer, code: CURLE_ABORTED_BY_CALLBACK) }
                for transfer in waiting[waitingStart...] {
                    transfer.outcome.curlMessage = "the source was closed"
                    transfer.finish(code: CURLE_ABORTED_BY_CALLBACK)
                }
                nwbpeek_curl_multi_cleanup(curl.functions.multi_cleanup, multi)
                return
            }
            // A cancelled task's transfer stops now, its connection closed, rather than run on unread.
            for (handle, transfer) in running where transfer.cancellation.isCancelled {
                running[handle] = nil
                end(handle, transfer, code: CURLE_ABORTED_BY_CALLBACK)
            }
            var large = running.values.reduce(0) { $0 + ($1.request.isLarge ? 1 : 0) }
            while running.count < maximumConcurrentTransfers, waitingStart < waiting.count {
                let transfer = waiting[waitingStart]
                if transfer.request.isLarge {
                    guard large < maximumLargeTransfers else { break }
                    large += 1
                }
                waitingStart += 1
                if let handle = start(transfer) { running[handle] = transfer }
            }
            if waitingStart == waiting.count {
                waiting.removeAll(keepingCapacity: true)
                waitingStart = 0
            }
            var stillRunning: Int32 = 0
            nwbpeek_curl_multi_perform(curl.functions.multi_perform, multi, &stillRunning)
            var finishedAny = false
            var messagesLeft: Int32 = 0
            while let message = nwbpeek_curl_multi_info_read(curl.functions.multi_info_read, multi, &messagesLeft) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                    let transfer = running.removeValue(forKey: handle)
                else { continue }
                end(handle, transfer, code: message.pointee.data.result)
                finishedAny = true
            }
            // A finished transfer frees a slot: start the next at once rather than after a poll.
            if finishedAny, waitingStart < waiting.count { continue }
            nwbpeek_curl_multi_poll(curl.functions.multi_poll, multi, 1000)
        }
    }

    /// Creates and adds the easy handle of `transfer`; on failure ends the transfer at once.
    private func start(_ transfer: CurlTransfer) -> UnsafeMutableRawPointer? {
        guard !transfer.cancellation.isCancelled else {
            transfer.finish(code: CURLE_ABORTED_BY_CALLBACK)
            return nil
        }
        guard let handle = nwbpeek_curl_easy_init(curl.functions.easy_init) else {
            transfer.outcome.curlMessage = "libcurl could not create a transfer"
            transfer.finish(code: CURLE_OUT_OF_MEMORY)
            return nil
        }
        let request = transfer.request
        let limits = request.limits
        var list: UnsafeMutablePointer<curl_slist>?
        for header in request.headers { list = nwbpeek_curl_slist_append(curl.functions.slist_append, list, "\(header.name): \(header.value)") }
        // libcurl would otherwise send `Expect:` and `Accept: */*`; neither is wanted, both harmless.
        transfer.headerList = list
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        _ = nwbpeek_curl_easy_setopt_string(curl.functions.easy_setopt, handle, CURLOPT_URL, request.url)
        _ = nwbpeek_curl_easy_setopt_pointer(curl.functions.easy_setopt, handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(list))
        _ = nwbpeek_curl_easy_setopt_callback(curl.functions.easy_setopt, handle, CURLOPT_WRITEFUNCTION, bodyCallback)
        _ = nwbpeek_curl_easy_setopt_pointer(curl.functions.easy_setopt, handle, CURLOPT_WRITEDATA, context)
        _ = nwbpeek_curl_easy_setopt_callback(curl.functions.easy_setopt, handle, CURLOPT_HEADERFUNCTION, headerCallback)
        _ = nwbpeek_curl_easy_setopt_pointer(curl.functions.easy_setopt, handle, CURLOPT_HEADERDATA, context)
        _ = nwbpeek_curl_easy_setopt_pointer(curl.functions.easy_setopt, handle, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(transfer.errorBuffer))
        _ = nwbpeek_curl_easy_setopt_long(curl.functions.easy_setopt, handle, CURLOPT_NOSIGNAL, 1)
        _ = nwbpeek_curl_easy_setopt_long(curl.functions.easy_setopt, handle, CURLOPT_FOLLOWLOCATION, 1)
        _ = nwbpeek_curl_easy_setopt_long(curl.functions.easy_setopt, handle, CURLOPT_MAXREDIRS, 5)
        _ = nwbpeek_curl_easy_setopt_long(curl.functions.easy_setopt, handle, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        if request.url.lowercased().hasPrefix("https://") {
            // Wait for a multiplexed HTTP/2 stream rather than open a connection per transfer. Only
            // TLS negotiates HTTP/2 (ALPN), so over plain HTTP there is nothing to wait for.
            _ = nwbpeek_curl_easy_setopt_long(curl.functions.easy_setopt, handle, CURLOPT_PIPEWAIT, 1)
        }
        _ = nwbpeek_curl_easy_setopt_long(curl.functions.easy_setopt, handle, CURLOPT_TCP_KEEPALIVE, 1)
        _ = nwbpeek_curl_easy_setopt_long(curl.functions.easy_setopt, handle, CURLOPT_CONNECTTIMEOUT_MS, max(1, limits.connectTimeoutMilliseconds))
        _ = nwbpeek_curl_easy_setopt_long(curl.functions.easy_setopt, handle, CURLOPT_TIMEOUT_MS, max(1, limits.totalTimeoutMilliseconds))
        _ = nwbpeek_curl_easy_setopt_long(curl.functions.easy_setopt, handle, CURLOPT_LOW_SPEED_LIMIT, limits.lowSpeedBytesPerSecond)
        _ = nwbpeek_curl_easy_setopt_long(curl.functions.easy_setopt, handle, CURLOPT_LOW_SPEED_TIME, limits.lowSpeedSeconds)
        _ = nwbpeek_curl_easy_setopt_string(curl.functions.easy_setopt, handle, CURLOPT_USERAGENT, "nwbpeek (libcurl)")
        if request.headOnly { _ = nwbpeek_curl_easy_setopt_long(curl.functions.easy_setopt, handle, CURLOPT_NOBODY, 1) }
        guard nwbpeek_curl_multi_add_handle(curl.functions.multi_add_handle, multi, handle) == CURLM_OK else {
            transfer.outcome.curlMessage = "libcurl could not start a transfer"
            nwbpeek_curl_easy_cleanup(curl.functions.easy_cleanup, handle)
            transfer.finish(code: CURLE_FAILED_INIT)
            return nil
        }
        return handle
    }

    private func end(_ handle: UnsafeMutableRawPointer, _ transfer: CurlTransfer, code: CURLcode) {
        // Zero until the request is about to be sent, on a new connection or a reused one.
        var pretransfer: curl_off_t = 0
        if nwbpeek_curl_easy_getinfo_offset(curl.functions.easy_getinfo, handle, CURLINFO_PRETRANSFER_TIME_T, &pretransfer) == CURLE_OK {
            transfer.outcome.requestSent = pretransfer > 0
        }
        var effective: UnsafePointer<CChar>?
        if nwbpeek_curl_easy_getinfo_string(curl.functions.easy_getinfo, handle, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK,
            let effective
        {
            transfer.outcome.effectiveURL = String(cString: effective)
        }
        nwbpeek_curl_multi_remove_handle(curl.functions.multi_remove_handle, multi, handle)
        nwbpeek_curl_easy_cleanup(curl.functions.easy_cleanup, handle)
        transfer.finish(code: code)
    }
}

/// libcurl's body callback: hands the bytes to the transfer; returning less than given stops it.
private let bodyCallback: nwbpeek_curl_data_callback = { data, size, count, context in
    guard let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    let keepGoing = transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: length))
    return keepGoing ? length : 0
}

/// libcurl's header callback: one line at a time.
private let headerCallback: nwbpeek_curl_data_callback = { data, size, count, context in
    guard let context, let data else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    transfer.receiveHeader(line)
    return length
}
