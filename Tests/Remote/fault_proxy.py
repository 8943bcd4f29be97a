"""An HTTP/1.1 proxy for the remote tests and the benchmark: it stands in front of an S3 server
(SeaweedFS on loopback), adds latency, injects faults a scenario chooses per request, and counts
the requests and bytes it served.

Clients use it as their endpoint (`--endpoint http://127.0.0.1:PORT`, or the proxy's address in an
http:// URL). Requests are forwarded byte for byte, Host and Authorization included: a client
signs SigV4 for the proxy's host:port, which is the Host it sends, and the server verifies the
signature against that same Host. Each client connection has its own upstream connection, so
keep-alive on one side is keep-alive on the other.

Latency: `latency` seconds (default 0.04, one round trip) before each request is answered, and
`connect_latency` (default: the same) when a client opens a connection, as the TCP handshake
costs on a real network; a scenario may add a seeded jitter per request. No bandwidth limit.

Faults (`Fault`, chosen by a `Scenario`): an error status with S3's XML body (503 ServiceUnavailable,
503 SlowDown, 500, 502, 504, 429, 408), a connection reset mid-body, a body cut short under its
full Content-Length (FIN), a stalled stream, a request never answered, a 200 with the whole object
for a range request, a wrong Content-Range, a 416, extra delay, and an action run before a request
is forwarded (replacing the object mid-session). 429 and 503 carry Retry-After (0 unless the fault
says otherwise, in seconds or as an HTTP-date). Scenarios are repeatable: a
scripted sequence in arrival order, a script per distinct request (method, path, Range) so that
concurrent clients see the same thing every run, or seeded random draws keyed on the request and
its attempt number.

`ConnectBlackHole` is an address whose connects never complete (a dropped SYN), for a client's
connect timeout.

Usage:
    with FaultProxy("127.0.0.1", 8333) as proxy:
        proxy.scenario = Scenario.each_request([Fault.error(503), Fault.error(503)])
        requests.get(f"{proxy.address}/bucket/key", headers={"Range": "bytes=0-99"})  # retried twice
        proxy.statistics()  # {"requests": 3, "bytes": 100, ...}
        proxy.requests_served()  # [{"method": "GET", "range": "bytes=0-99", "fault": "status", "status": 503, ...}, ...]
"""

import asyncio
import contextlib
import dataclasses
import email.utils
import hashlib
import itertools
import re
import socket
import struct
import threading
import time

DEFAULT_LATENCY = 0.040
COPY_BLOCK = 1 << 16
HEAD_LIMIT = 1 << 20
# A stalled stream or an unanswered request stays so until the client gives up, or this long.
DEFAULT_STALL_SECONDS = 60.0

REASONS = {200: "OK", 206: "Partial Content", 408: "Request Timeout", 416: "Requested Range Not Satisfiable",
           429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
           504: "Gateway Timeout"}
# S3's error code and message for each status the proxy synthesises.
S3_ERRORS = {408: ("RequestTimeout", "Your socket connection to the server was not read from or written to within "
                   "the timeout period."),
             416: ("InvalidRange", "The requested range is not satisfiable"),
             429: ("TooManyRequests", "Please reduce your request rate."),
             500: ("InternalError", "We encountered an internal error. Please try again."),
             502: ("BadGateway", "The proxy received an invalid response from the upstream server."),
             503: ("ServiceUnavailable", "Please reduce your request rate."),
             504: ("GatewayTimeout", "The upstream server did not answer in time.")}


@dataclasses.dataclass(frozen=True)
class Fault:
    """What the proxy does to one request instead of forwarding it faithfully."""
    kind: str
    status: int = 0
    code: str = ""
    # For reset, truncate and stall: the share of the body sent before the fault.
    fraction: float = 0.5
    seconds: float = 0.0
    action: object = dataclasses.field(default=None, compare=False)
    # For 429 and 503: the Retry-After asked for, in seconds, sent as a number or (as_date) an HTTP-date.
    retry_after: int = 0
    as_date: bool = False

    @staticmethod
    def error(status, code=None, retry_after=0, as_date=False):
        """An error response with S3's XML body; the request never reaches the server. A 429 or 503
        says `Retry-After: retry_after` (seconds), or with `as_date` the HTTP-date that many seconds
        after the response's `Date`."""
        return Fault("status", status=status, code=code or S3_ERRORS[status][0], retry_after=retry_after,
                     as_date=as_date)

    @staticmethod
    def slow_down(retry_after=0):
        return Fault("status", status=503, code="SlowDown", retry_after=retry_after)

    @staticmethod
    def reset(fraction=0.5):
        """The server's response, then a TCP reset after `fraction` of its body."""
        return Fault("reset", fraction=fraction)

    @staticmethod
    def truncate(fraction=0.5):
        """The server's response with its full Content-Length, closed (FIN) after `fraction` of the body."""
        return Fault("truncate", fraction=fraction)

    @staticmethod
    def stall(seconds=DEFAULT_STALL_SECONDS, fraction=0.5):
        """The response's head and `fraction` of its body, then nothing for `seconds`, then a close."""
        return Fault("stall", fraction=fraction, seconds=seconds)

    @staticmethod
    def hang(seconds=DEFAULT_STALL_SECONDS):
        """The request is read and never answered (a black hole), then the connection closed."""
        return Fault("hang", seconds=seconds)

    @staticmethod
    def full_object():
        """A 200 with the whole object where a range was asked for (as a server ignoring Range)."""
        return Fault("full_object")

    @staticmethod
    def wrong_content_range():
        """The requested bytes, labelled with a Content-Range one byte off."""
        return Fault("wrong_content_range")

    @staticmethod
    def range_not_satisfiable():
        """416 with `Content-Range: bytes */SIZE`, whatever was asked."""
        return Fault("range_not_satisfiable")

    @staticmethod
    def run(action):
        """Calls `action()` (in a worker thread), then forwards the request faithfully: for example
        replacing the object on the server between two reads of one session."""
        return Fault("run", action=action)

    @staticmethod
    def delay(seconds):
        """The faithful response, `seconds` late."""
        return Fault("delay", seconds=seconds)


@dataclasses.dataclass
class Request:
    method: str
    target: str
    version: str
    header_lines: list  # the raw lines, forwarded untouched
    headers: dict  # lower-cased names
    body: bytes
    # Seconds of the scenario's jitter added before answering.
    jitter: float = 0.0
    # What the proxy did with it: method, target, range, fault (kind or None), status, bytes.
    log_entry: dict = dataclasses.field(default_factory=dict)

    @property
    def range(self):
        return self.headers.get("range", "")

    @property
    def identity(self):
        return self.method, self.target, self.range


def is_get(request):
    return request.method == "GET"


def is_get_not_tail(request):
    """A GET other than a suffix range (`bytes=-N`): nwbpeek's tail read, which it sends
    alongside the first read of an open and drops rather than retries when it fails."""
    return is_get(request) and not request.range.startswith("bytes=-")


class Scenario:
    """Which fault, if any, each request gets. Only requests `applies_to` accepts (default: GETs)
    are counted and faulted."""

    def __init__(self, mode="none", faults=(), skip=0, rates=None, seed=0, applies_to=is_get):
        self.mode = mode
        self.faults = list(faults)
        self.skip = skip
        self.rates = dict(rates or {})
        self.seed = seed
        self.applies_to = applies_to
        self.jitter = 0.0
        self.arrivals = 0
        self.attempts = {}
        self.injected = []  # (method, target, range, fault kind), in the order injected

    @classmethod
    def none(cls):
        return cls()

    @classmethod
    def sequence(cls, faults, skip=0, applies_to=is_get):
        """After `skip` requests pass, the next ones get `faults` in arrival order; then all pass."""
        return cls("sequence", faults=faults, skip=skip, applies_to=applies_to)

    @classmethod
    def each_request(cls, faults, applies_to=is_get):
        """Every distinct request (method, path, Range) gets faults[0] on its first attempt,
        faults[1] on its second, ...; later attempts pass. `[Fault.error(503)] * 2` is a 503 burst
        of two for every read, whatever order concurrent reads arrive in."""
        return cls("each_request", faults=faults, applies_to=applies_to)

    @classmethod
    def random(cls, rates, seed=0, applies_to=is_get):
        """Each attempt gets fault F with probability rates[F], from a draw keyed on the seed, the
        request's identity and its attempt number (so a retry draws anew, and a rerun repeats)."""
        if sum(rates.values()) > 1:
            raise ValueError("fault rates add up to more than 1")
        return cls("random", rates=rates, seed=seed, applies_to=applies_to)

    def jittered(self, seed, jitter):
        """This scenario with up to `jitter` seconds of extra latency per request, drawn from `seed`,
        the request and its attempt: concurrent requests arrive and finish in another order for
        another seed, the same order for the same one."""
        self.seed, self.jitter = seed, jitter
        return self

    def _draw(self, *key):
        """A number in [0, 1) fixed by the seed and `key`."""
        return int.from_bytes(hashlib.sha256(repr((self.seed, *key)).encode()).digest()[:8], "big") / 2**64

    def fault_for(self, request):
        if not self.applies_to(request):
            return None
        arrival = self.arrivals
        self.arrivals += 1
        attempt = self.attempts.get(request.identity, 0)
        self.attempts[request.identity] = attempt + 1
        if self.jitter:
            request.jitter = self.jitter * self._draw("jitter", request.identity, attempt)
        fault = None
        if self.mode == "sequence" and 0 <= arrival - self.skip < len(self.faults):
            fault = self.faults[arrival - self.skip]
        elif self.mode == "each_request" and attempt < len(self.faults):
            fault = self.faults[attempt]
        elif self.mode == "random":
            draw = self._draw(request.identity, attempt)
            for candidate, rate in self.rates.items():
                if draw < rate:
                    fault = candidate
                    break
                draw -= rate
        if fault is not None:
            self.injected.append((request.method, request.target, request.range, fault.kind))
        return fault


class ConnectionClosed(Exception):
    pass


async def read_head(reader):
    """The lines of a message's head, without the blank line; None at a clean EOF."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if not error.partial:
            return None
        raise ConnectionClosed("connection closed inside a message head") from error
    return head[:-4].decode("latin-1").split("\r\n")


def parse_headers(lines):
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return headers


async def read_chunked(reader):
    body = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass
            return bytes(body)
        body += await reader.readexactly(size)
        await reader.readexactly(2)


def s3_error_body(status, code, resource, request_id):
    message = S3_ERRORS.get(status, (code, code))[1]
    if code == "SlowDown":
        message = "Please reduce your request rate."
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
            f"<Resource>{resource}</Resource><RequestId>{request_id}</RequestId></Error>").encode()


def response_head(status_line, header_lines):
    return ("\r\n".join([status_line, *header_lines]) + "\r\n\r\n").encode("latin-1")


def status_line(status):
    return f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"


CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


def round_trips(entries):
    """Waves of requests: a request read while none is being answered starts a new wave, one
    read during another's answer joins it. For a client that waits for each answer before its
    next request, one per request; for one that sends a level's reads together, one per level."""
    waves, busy_until = 0, None
    for entry in sorted(entries, key=lambda entry: entry["started"]):
        finished = entry["finished"] if entry["finished"] is not None else float("inf")
        if busy_until is None or entry["started"] >= busy_until:
            waves += 1
            busy_until = finished
        else:
            busy_until = max(busy_until, finished)
    return waves


class Upstream:
    """The server side of one client connection: opened on first use, reopened after a close."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def exchange(self, request_bytes):
        """Sends a request; returns (status line, header lines, headers) of the response head."""
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=HEAD_LIMIT)
        self.writer.write(request_bytes)
        await self.writer.drain()
        lines = await read_head(self.reader)
        if lines is None:
            raise ConnectionClosed("the server closed the connection before answering")
        return lines[0], lines[1:], parse_headers(lines[1:])

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class FaultProxy:
    """The proxy, serving on 127.0.0.1 from its own thread and event loop."""

    def __init__(self, upstream_host, upstream_port, latency=DEFAULT_LATENCY, connect_latency=None, port=0):
        self.upstream_host, self.upstream_port = upstream_host, upstream_port
        self.latency = latency
        self.connect_latency = latency if connect_latency is None else connect_latency
        self.scenario = Scenario.none()
        self.requested_port = port
        self.port = None
        self._lock = threading.Lock()
        self._statistics = self._zero()
        self._log = []
        self._loop = None
        self._thread = None
        self._server = None
        self._handlers = set()
        self._connection_numbers = itertools.count()
        self._started = threading.Event()
        self._startup_error = None

    @property
    def address(self):
        """scheme://host:port of the proxy, for `--endpoint` or in place of a URL's own."""
        return f"http://127.0.0.1:{self.port}"

    # Statistics --------------------------------------------------------------------------------

    @staticmethod
    def _zero():
        return {"requests": 0, "bytes": 0, "connections": 0, "faults": 0, "statuses": {}}

    def _count(self, entry=None, **increments):
        with self._lock:
            if entry is not None:
                entry["bytes"] += increments.get("bytes", 0)
                entry["status"] = increments.get("status", entry["status"])
            for name, value in increments.items():
                if name == "status":
                    self._statistics["statuses"][value] = self._statistics["statuses"].get(value, 0) + 1
                else:
                    self._statistics[name] += value

    def statistics(self):
        """Requests received, body bytes sent to clients, connections accepted, faults injected,
        responses by status and round trips, since the start or the last reset_statistics()."""
        with self._lock:
            return {**self._statistics, "statuses": dict(self._statistics["statuses"]),
                    "round_trips": round_trips(self._log)}

    def requests_served(self):
        """One entry per request since the last reset_statistics(), in arrival order: method,
        target, range, fault (its kind, or None), status, body bytes sent, the scenario's jitter
        added, the monotonic times it was read and answered (started, finished), and the number
        of the connection it came on (connections are numbered as accepted)."""
        with self._lock:
            return [dict(entry) for entry in self._log]

    def reset_statistics(self):
        """Zeroes the counts and the log; returns statistics() as they were."""
        with self._lock:
            snapshot = {**self._statistics, "round_trips": round_trips(self._log)}
            self._statistics, self._log = self._zero(), []
        return snapshot

    @contextlib.contextmanager
    def using(self, scenario=None, latency=None, connect_latency=None):
        """`scenario` (default: no faults), `latency` (default: unchanged) and `connect_latency`
        (default: `latency`) for the duration of a with block; then no faults and the previous
        latencies again."""
        previous = self.latency, self.connect_latency
        self.scenario = scenario or Scenario.none()
        if latency is not None:
            self.latency = self.connect_latency = latency
        if connect_latency is not None:
            self.connect_latency = connect_latency
        try:
            yield self.scenario
        finally:
            self.scenario = Scenario.none()
            self.latency, self.connect_latency = previous

    # Life cycle --------------------------------------------------------------------------------

    def start(self):
        self._thread = threading.Thread(target=self._run, name="fault-proxy", daemon=True)
        self._thread.start()
        self._started.wait()
        if self._startup_error is not None:
            raise self._startup_error
        return self

    def _run(self):
        self._loop = asyncio.new_event_loop()
        try:
            self._server = self._loop.run_until_complete(asyncio.start_server(
                self._serve_connection, "127.0.0.1", self.requested_port, limit=HEAD_LIMIT))
            self.port = self._server.sockets[0].getsockname()[1]
        except OSError as error:
            self._startup_error = error
            self._started.set()
            return
        self._started.set()
        self._loop.run_forever()
        self._loop.close()

    async def _shutdown(self):
        self._server.close()
        for handler in list(self._handlers):
            handler.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()
        self._loop.stop()

    def stop(self):
        if self._loop is None or self._thread is None or not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop)
        self._thread.join(timeout=10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exception):
        self.stop()

    # Serving -----------------------------------------------------------------------------------

    async def _serve_connection(self, reader, writer):
        task = asyncio.current_task()
        self._handlers.add(task)
        self._count(connections=1)
        connection = next(self._connection_numbers)
        # Handed to the kernel before drain() returns: a reset or truncation cuts where it says.
        writer.transport.set_write_buffer_limits(0)
        upstream = Upstream(self.upstream_host, self.upstream_port)
        try:
            if self.connect_latency:
                await asyncio.sleep(self.connect_latency)
            while True:
                request = await self._read_request(reader)
                if request is None:
                    break
                request.log_entry.update(method=request.method, target=request.target, range=request.range,
                                         fault=None, status=None, bytes=0, started=time.monotonic(), finished=None,
                                         connection=connection)
                with self._lock:
                    self._log.append(request.log_entry)
                self._count(requests=1)
                try:
                    keep_open = await self._answer(request, upstream, writer)
                finally:
                    request.log_entry["finished"] = time.monotonic()
                if not keep_open:
                    break
        except (ConnectionError, ConnectionClosed, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            # stop() cancels the connections it finds open; a connection ends quietly then.
            pass
        finally:
            upstream.close()
            with contextlib.suppress(Exception):
                writer.close()
            self._handlers.discard(task)

    async def _read_request(self, reader):
        lines = await read_head(reader)
        if lines is None:
            return None
        method, target, version = lines[0].split(" ", 2)
        headers = parse_headers(lines[1:])
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = await read_chunked(reader)
            lines = [line for line in lines if not line.lower().startswith("transfer-encoding:")]
            lines.append(f"Content-Length: {len(body)}")
        else:
            body = await reader.readexactly(int(headers.get("content-length", "0")))
        return Request(method, target, version, lines[1:], headers, body)

    @staticmethod
    def _request_bytes(request):
        lines = [f"{request.method} {request.target} {request.version}", *request.header_lines]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + request.body

    async def _answer(self, request, upstream, writer):
        """Serves one request; returns whether the client connection stays open."""
        fault = self.scenario.fault_for(request)
        request.log_entry["jitter"] = request.jitter
        if self.latency or request.jitter:
            await asyncio.sleep(self.latency + request.jitter)
        if fault is not None:
            request.log_entry["fault"] = fault.kind
            self._count(faults=1)
            if fault.kind == "delay":
                await asyncio.sleep(fault.seconds)
            elif fault.kind == "run":
                await asyncio.get_running_loop().run_in_executor(None, fault.action)
            elif fault.kind == "hang":
                await asyncio.sleep(fault.seconds)
                return False
            elif fault.kind == "status":
                return await self._send_error(request, writer, fault.status, fault.code, retry_after=fault.retry_after,
                                              retry_after_as_date=fault.as_date)
        if fault is not None and fault.kind == "full_object":
            # Without its Range the request would no longer match a signature over that header:
            # the whole object is fetched unsigned (the test bucket is public-read).
            request = dataclasses.replace(request, header_lines=[
                line for line in request.header_lines
                if line.split(":", 1)[0].strip().lower() in ("host", "user-agent", "accept")])
        try:
            first_line, header_lines, headers = await upstream.exchange(self._request_bytes(request))
        except (OSError, ConnectionClosed) as error:
            upstream.close()
            return await self._send_error(request, writer, 502, S3_ERRORS[502][0], detail=str(error))
        return await self._relay(request, upstream, writer, fault, first_line, header_lines, headers)

    async def _send_error(self, request, writer, status, code, detail="", extra_headers=(), retry_after=0,
                          retry_after_as_date=False):
        """An S3-style error response (XML body), the connection kept open."""
        with self._lock:
            request_id = f"NWBPEEK-FAULT-{self._statistics['requests']}"
        body = s3_error_body(status, code, request.target.split("?")[0], request_id)
        if detail:
            body = body.replace(b"</RequestId>", f"</RequestId><Detail>{detail}</Detail>".encode(), 1)
        now = int(time.time())
        headers = ["Content-Type: application/xml", f"Content-Length: {len(body)}", f"x-amz-request-id: {request_id}",
                   f"Date: {email.utils.formatdate(now, usegmt=True)}", *extra_headers]
        if status in (429, 503):
            after = email.utils.formatdate(now + retry_after, usegmt=True) if retry_after_as_date else retry_after
            headers.append(f"Retry-After: {after}")
        sent_body = request.method != "HEAD"
        # Counted before the bytes leave: a client may read the statistics as soon as it has them.
        self._count(request.log_entry, status=status, bytes=len(body) if sent_body else 0)
        writer.write(response_head(status_line(status), headers) + (body if sent_body else b""))
        await writer.drain()
        return True

    async def _relay(self, request, upstream, writer, fault, first_line, header_lines, headers):
        reader = upstream.reader
        status = int(first_line.split(" ", 2)[1])
        kind = fault.kind if fault is not None else None
        has_body = request.method != "HEAD" and status not in (204, 304) and not 100 <= status < 200
        if not has_body:
            body_length = 0
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            # De-chunked and sent with a Content-Length (small bodies only: errors, listings).
            body = await read_chunked(reader)
            reader = asyncio.StreamReader()
            reader.feed_data(body)
            reader.feed_eof()
            body_length = len(body)
            header_lines = [line for line in header_lines if not line.lower().startswith("transfer-encoding:")]
            header_lines.append(f"Content-Length: {body_length}")
        elif "content-length" in headers:
            body_length = int(headers["content-length"])
        else:
            body = await reader.read()
            reader = asyncio.StreamReader()
            reader.feed_data(body)
            reader.feed_eof()
            body_length = len(body)
            header_lines.append(f"Content-Length: {body_length}")
            upstream.close()
        upstream_reusable = "close" not in headers.get("connection", "").lower()

        if kind == "range_not_satisfiable":
            await self._discard(reader, body_length)
            total = CONTENT_RANGE.match(headers.get("content-range", ""))
            size = total.group(3) if total else headers.get("content-length", "*")
            if not upstream_reusable:
                upstream.close()
            return await self._send_error(request, writer, 416, S3_ERRORS[416][0],
                                          extra_headers=[f"Content-Range: bytes */{size}"])
        if kind == "wrong_content_range":
            header_lines = [self._shifted_content_range(line) for line in header_lines]

        self._count(request.log_entry, status=status)
        writer.write(response_head(first_line, header_lines))
        cut = None
        if kind in ("reset", "truncate", "stall"):
            cut = int(body_length * fault.fraction)
        sent = 0
        while sent < body_length:
            want = min(COPY_BLOCK, body_length - sent)
            if cut is not None:
                want = min(want, cut - sent)
                if want <= 0:
                    break
            block = await reader.read(want)
            if not block:
                raise ConnectionClosed("the server closed the connection inside a body")
            self._count(request.log_entry, bytes=len(block))
            writer.write(block)
            sent += len(block)
            await writer.drain()
        if cut is None:
            await writer.drain()
            if not upstream_reusable:
                upstream.close()
            return "close" not in request.headers.get("connection", "").lower()
        # A fault cut the body: the upstream connection is mid-message and must go too.
        upstream.close()
        await writer.drain()
        if kind == "stall":
            await asyncio.sleep(fault.seconds)
        elif kind == "reset":
            sock = writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
        return False

    @staticmethod
    async def _discard(reader, length):
        remaining = length
        while remaining > 0:
            block = await reader.read(min(COPY_BLOCK, remaining))
            if not block:
                return
            remaining -= len(block)

    @staticmethod
    def _shifted_content_range(line):
        name, _, value = line.partition(":")
        if name.strip().lower() != "content-range":
            return line
        match = CONTENT_RANGE.match(value.strip())
        if match is None:
            return line
        first, last, total = int(match.group(1)), int(match.group(2)), match.group(3)
        shift = 1 if total == "*" or last + 1 < int(total) else -1
        if first + shift < 0:
            return line
        return f"{name}: bytes {first + shift}-{last + shift}/{total}"


class ConnectBlackHole:
    """A loopback address whose connects never complete, as behind a firewall that drops packets:
    a listening socket with a backlog of 0 that never accepts, its one accept-queue place taken by
    an idle connection. Linux then drops every further SYN (tcp_conn_request: the accept queue is
    full), so a client's connect hangs until its own timeout. No root needed.

    `holds` says whether a probe's connect really hung (checked on entry): a kernel that answers
    (or resets) such SYNs makes the hole useless, and a test should skip.

    Usage:
        with ConnectBlackHole() as hole:
            hole.address  # http://127.0.0.1:PORT
    """

    PROBE_SECONDS = 0.3
    MAXIMUM_FILLERS = 4

    def __init__(self):
        self.listener = None
        self.port = None
        self.fillers = []
        self.holds = False

    @property
    def address(self):
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(0)
        self.port = self.listener.getsockname()[1]
        # Connect until one hangs: the ones that complete fill the queue and are kept open.
        for _ in range(self.MAXIMUM_FILLERS + 1):
            connection = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            connection.settimeout(self.PROBE_SECONDS)
            try:
                connection.connect(("127.0.0.1", self.port))
            except (socket.timeout, TimeoutError):
                connection.close()
                self.holds = True
                break
            except OSError:
                connection.close()
                break
            self.fillers.append(connection)
        return self

    def __exit__(self, *exception):
        for connection in self.fillers:
            connection.close()
        self.listener.close()
