"""A small HTTP/1.1 server with Range support and injected faults, for HTTPSource's tests.

Usage: python3 range_server.py ROOT  — serves the files of ROOT on 127.0.0.1, on a free port,
prints that port on the first line of standard output, and exits when standard input closes.

A path is /FAULT/NAME: NAME is a file of ROOT; FAULT says how to misbehave:
  ok            behave (Range, ETag from mtime and size, If-Match -> 412)
  503x3         the first 3 requests for this path get 503 (then behave); likewise 500x, 429x
  slowdownx2    the first 2 get S3's 503 SlowDown XML error
  wait5x1       the first gets 503 with Retry-After: 5 (any number of seconds)
  truncatex2    the first 2 send half the body, then close the connection
  resetx2       the first 2 close the connection without answering (a reset)
  whole         always answer 200 with the whole file, ignoring Range
  shiftedx2     the first 2 answer 206 with a Content-Range one byte later than asked
  overlongx2    the first 2 send 16 bytes more than the Content-Range says
  shifted       always the wrong Content-Range (never recovers)
  503           always 503
  403           always 403 with an S3 AccessDenied XML body
  slow          a remote link: 40 ms before each answer, bodies sent at 50 MB/s per connection
  peak          as slow, and counts the requests for NAME in progress at once: the most so far,
                of all and of those asking for more than 1 MiB, are in the file NAME.peaks of
                ROOT ("ALL LARGE")
  soak          each request, drawn from one seeded generator: 5% 503, 2% reset, 1% truncated
                body, else behave (the soak of Tests/HDF5Tests/SoakTests.swift)
  hang          never answers (holds the connection for 60 s)
  tail503, tailshifted, tailwhole, tailhang
                only requests for a suffix range (`bytes=-N`, the tail read of an open) get
                503, a wrong Content-Range, the whole file, no answer; other requests behave
  redirectx4    an archive's download URL: the first 4 requests get 302 to a new /signedN/NAME
                (N counting up), later ones 404
  signedN       a presigned URL: behaves for 3 requests, then 403 (expired)
Counts are per path, over every request (the first read of an open included).
"""

import email.utils
import http.server
import mmap
import os
import random
import re
import signal
import socketserver
import sys
import threading
import time

COUNTS = {}
SIGNED = [0]
LATENCY = 0.040
BYTES_PER_SECOND = 50e6
SLOW_CHUNK = 256 * 1024
LOCK = threading.Lock()
SOAK = random.Random(20261125)
SOAK_FAULTS = ((0.05, "503"), (0.07, "reset"), (0.08, "truncate"))
# Requests of NAME in progress and the most at once ("peak"): [all, more than LARGE bytes].
IN_FLIGHT = {}
PEAKS = {}
LARGE = 1 << 20


def take(path, limit):
    """Counts this request for `path`; true while the count is within `limit`."""
    with LOCK:
        COUNTS[path] = COUNTS.get(path, 0) + 1
        return COUNTS[path] <= limit


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root = "."

    def log_message(self, *args):
        pass

    def do_GET(self):
        match = re.fullmatch(r"/([a-z0-9]+)/(.+)", self.path)
        if not match:
            return self.send_status(404, b"")
        fault, name = match.groups()
        if fault != "peak":
            return self.respond(fault, name)
        requested = re.fullmatch(r"bytes=(\d*)-(\d+)", self.headers.get("Range", ""))
        length = 0
        if requested:
            first, last = requested.group(1), int(requested.group(2))
            length = last - int(first) + 1 if first else last
        large = int(length > LARGE)
        with LOCK:
            flight, peaks = IN_FLIGHT.setdefault(name, [0, 0]), PEAKS.setdefault(name, [0, 0])
            flight[0] += 1
            flight[1] += large
            if flight[0] > peaks[0] or flight[1] > peaks[1]:
                peaks[0], peaks[1] = max(peaks[0], flight[0]), max(peaks[1], flight[1])
                with open(os.path.join(self.root, name + ".peaks"), "w") as record:
                    record.write("%d %d" % (peaks[0], peaks[1]))
        try:
            self.respond("slow", name)
        finally:
            with LOCK:
                flight[0] -= 1
                flight[1] -= large

    def respond(self, fault, name):
        path = os.path.join(self.root, name)
        self.file_path = path
        if not os.path.isfile(path):
            return self.send_status(404, b"<Error><Code>NoSuchKey</Code></Error>")
        kind, _, count = fault.partition("x")
        limit = int(count) if count else 1 << 60
        if kind == "redirect":
            if not take(self.path, limit):
                return self.send_status(404, b"")
            with LOCK:
                SIGNED[0] += 1
                signed = SIGNED[0]
            return self.send_status(302, b"", {"Location": f"/signed{signed}/{name}"})
        if kind.startswith("signed"):
            if not take(self.path, 3):
                return self.send_status(403, b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>")
            kind = "ok"
        if kind.startswith("tail"):
            kind = kind[len("tail"):] if re.fullmatch(r"bytes=-\d+", self.headers.get("Range", "")) else "ok"
        if kind == "soak":
            with LOCK:
                draw = SOAK.random()
            kind = next((name for bound, name in SOAK_FAULTS if draw < bound), "ok")
        active = kind != "ok" and take(self.path, limit)
        self.slow = kind == "slow"
        if self.slow:
            time.sleep(LATENCY)
        if active and kind == "hang":
            time.sleep(60)
            self.close_connection = True
            return
        if active and kind in ("503", "500", "429"):
            return self.send_status(int(kind), b"busy")
        if active and kind.startswith("wait"):
            return self.send_status(503, b"busy", {"Retry-After": kind[len("wait"):]})
        if active and kind == "slowdown":
            return self.send_status(503, b"<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>")
        if active and kind == "403":
            return self.send_status(403, b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>")
        if active and kind == "reset":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        with open(path, "rb") as file:
            # Mapped: a request copies only its range, not the whole file.
            length = os.fstat(file.fileno()).st_size
            data = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) if length else b""
        status = os.stat(path)
        etag = '"%x-%x"' % (status.st_mtime_ns, status.st_size)
        if self.headers.get("If-Match") not in (None, etag):
            return self.send_status(412, b"")
        requested = re.fullmatch(r"bytes=(\d*)-(\d+)", self.headers.get("Range", ""))
        if requested is None or (active and kind == "whole"):
            return self.send_body(200, data, etag, {})
        if requested.group(1):
            first, last = int(requested.group(1)), min(int(requested.group(2)), len(data) - 1)
        else:
            # A suffix range: the last N bytes.
            first, last = max(0, len(data) - int(requested.group(2))), len(data) - 1
        if first >= len(data):
            return self.send_status(416, b"", {"Content-Range": "bytes */%d" % len(data)})
        body = data[first:last + 1]
        shown = (first, last)
        if active and kind == "shifted":
            shown = (first + 1, last + 1)
        if active and kind == "overlong":
            body = data[first:last + 17]
        if active and kind == "truncate":
            self.send_head(206, etag, len(body), {"Content-Range": "bytes %d-%d/%d" % (first, last, len(data))})
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.send_body(206, body, etag, {"Content-Range": "bytes %d-%d/%d" % (shown[0], shown[1], len(data))})

    def send_head(self, code, etag, length, extra):
        self.send_response(code)
        self.send_header("Content-Length", str(length))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", email.utils.formatdate(os.stat(self.file_path).st_mtime, usegmt=True))
        self.send_header("Accept-Ranges", "bytes")
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()

    def send_body(self, code, body, etag, extra):
        self.send_head(code, etag, len(body), extra)
        try:
            if self.slow:
                view = memoryview(body)
                for start in range(0, len(body), SLOW_CHUNK):
                    self.wfile.write(view[start:start + SLOW_CHUNK])
                    time.sleep(min(SLOW_CHUNK, len(body) - start) / BYTES_PER_SECOND)
                return
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            # The client stopped reading a 200 once it had its range: expected.
            self.close_connection = True

    def send_status(self, code, body, extra=None):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    # A client opens up to 32 connections at once; the default backlog (5) drops their SYNs.
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # Clients that stop reading (a 200 cut short on purpose) reset connections: expected.
        pass


def exit_when_stdin_closes():
    """The test holds our standard input open: when it ends, however it ends, so do we."""
    sys.stdin.buffer.read()
    os._exit(0)


def main():
    # A parent may spawn us with signals blocked (Swift's Foundation.Process does): unblock them.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    Handler.root = sys.argv[1]
    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
