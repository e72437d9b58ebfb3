# SPDX-License-Identifier: Apache-2.0
"""
Harness of the WebSocket tests: daemons, clients, named checks.

The WebSocket client is Debian's python3-websockets (an independent
implementation of RFC 6455), plus a raw-socket client for frames that a
well-behaved library refuses to send (unmasked, malformed, oversized).

Environment (set by tests/meson.build): AFB_DAEMON, AFB_BINDINGS_DIR,
AFB_TEST_BINDINGS_DIR, AFB_CLIENT. Every daemon started here listens on
127.0.0.1 on a port it picks itself, and is stopped at exit; stopping
fails the test unless it exits with status 0 and a log without sanitizer
reports.
"""
import asyncio
import base64
import hashlib
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback

try:
    import websockets
    import websockets.exceptions
except ImportError:  # meson counts 77 as skipped
    print("python3-websockets is not installed (apt install python3-websockets)")
    sys.exit(77)

PROTOCOL = "x-afb-ws-json1"
TOKEN = "ws-test-token"
_daemons = []
_results = {"passed": 0, "failed": 0}


def binding(name):
    return os.path.join(os.environ["AFB_BINDINGS_DIR"], name + ".so")


def test_binding(name):
    return os.path.join(os.environ["AFB_TEST_BINDINGS_DIR"], name + ".so")


class Daemon:
    """afb-daemon on 127.0.0.1, port chosen by the daemon (--port 0)."""

    def __init__(self, *args, token=TOKEN):
        self.dir = tempfile.mkdtemp(prefix="afb-ws-")
        self.logpath = os.path.join(self.dir, "daemon.log")
        cmd = [os.environ["AFB_DAEMON"], "--interface", "127.0.0.1", "--port", "0",
               "--workdir", self.dir, "--uploaddir", self.dir, "--apitimeout", "0"]
        if token is not None:
            cmd += ["--token", token]
        cmd += list(args)
        self.log = open(self.logpath, "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        _daemons.append(self)
        self.port = None
        deadline = time.time() + 30
        while time.time() < deadline:
            m = re.search(r"serving HTTPS? on port (\d+)", self.read_log())
            if m:
                self.port = int(m.group(1))
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if not self.port:
            raise RuntimeError("afb-daemon did not start:\n" + self.read_log())
        # --https: wss://, with the name of the test certificates (test-ws-tls.py)
        self.url = ("wss://localhost:%d/api" if "--https" in args else "ws://127.0.0.1:%d/api") % self.port

    def read_log(self):
        with open(self.logpath, errors="replace") as f:
            return f.read()

    def uri(self, token=TOKEN, extra=""):
        q = "?token=%s" % token if token is not None else ""
        if extra:
            q += ("&" if q else "?") + extra
        return self.url + q

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def fd_count(self):
        return len(os.listdir("/proc/%d/fd" % self.proc.pid))

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        """SIGTERM; the daemon must exit 0 with a clean log."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("afb-daemon did not exit after SIGTERM\n" + tail(self.read_log()))
        _daemons.remove(self)
        self.log.close()
        log = self.read_log()
        for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehaviorSanitizer"):
            if bad in log:
                raise AssertionError("sanitizer report in the daemon's log:\n" + tail(log, 80))
        if self.proc.returncode != 0:
            raise AssertionError("afb-daemon exited with %d\n%s" % (self.proc.returncode, tail(log)))


def tail(text, n=40):
    return "\n".join(text.splitlines()[-n:])


def _cleanup():
    for d in list(_daemons):
        if d.proc.poll() is None:
            d.proc.kill()
            d.proc.wait()


class Client:
    """A json1 client over python3-websockets: calls by id, events queued."""

    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0
        self.waiting = {}
        self.events = asyncio.Queue()
        self.closed = asyncio.get_running_loop().create_future()
        self.reader = asyncio.ensure_future(self._read())
        self.messages = []

    async def _read(self):
        try:
            async for text in self.ws:
                msg = json.loads(text)
                self.messages.append(msg)
                if msg[0] == 5:
                    self.events.put_nowait(msg)
                elif msg[0] in (3, 4):
                    fut = self.waiting.pop(json.dumps(msg[1]), None)
                    if fut is None:
                        raise AssertionError("reply to no call: %r" % (msg,))
                    fut.set_result(msg)
                else:
                    raise AssertionError("unexpected message %r" % (msg,))
        except websockets.exceptions.ConnectionClosed:
            pass
        finally:
            if not self.closed.done():
                self.closed.set_result(self.ws.close_code)
            for fut in self.waiting.values():
                if not fut.done():
                    fut.set_exception(ConnectionError("closed with calls pending"))
                    fut.exception()  # awaiting it is optional: no "never retrieved" noise

    def send_call(self, api, verb, args=None, id=None, token=None):
        if id is None:
            self.next_id += 1
            id = "c%d" % self.next_id
        msg = [2, id, api + "/" + verb, args]
        if token is not None:
            msg.append(token)
        fut = asyncio.get_running_loop().create_future()
        self.waiting[json.dumps(id)] = fut
        return msg, fut

    async def call(self, api, verb, args=None, id=None, token=None, timeout=20):
        """Returns the reply array [3|4, id, envelope(, token)]."""
        msg, fut = self.send_call(api, verb, args, id, token)
        await self.ws.send(json.dumps(msg))
        return await asyncio.wait_for(fut, timeout)

    async def ok(self, api, verb, args=None, **kw):
        r = await self.call(api, verb, args, **kw)
        check(r[0] == 3 and r[2]["request"]["status"] == "success", "%s/%s failed: %r" % (api, verb, r))
        return r[2].get("response")

    async def event(self, timeout=5):
        return await asyncio.wait_for(self.events.get(), timeout)

    async def no_event(self, delay=0.3):
        await asyncio.sleep(delay)
        check(self.events.empty(), "unexpected event %r" % (None if self.events.empty() else self.events._queue[0],))

    async def close(self):
        await self.ws.close()
        await asyncio.wait_for(self.closed, 10)


async def connect(daemon, token=TOKEN, extra="", **kw):
    kw.setdefault("subprotocols", [PROTOCOL])
    kw.setdefault("compression", None)
    kw.setdefault("max_size", None)
    kw.setdefault("ping_interval", None)
    ws = await websockets.connect(daemon.uri(token, extra), **kw)
    return Client(ws)


# ---------------------------------------------------------- raw socket client

def accept_key(key):
    return base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()


def http_request(port, path, headers, method="GET", version="HTTP/1.1"):
    """Sends a request, returns (status, headers dict lowercased, body, socket)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    req = "%s %s %s\r\nHost: 127.0.0.1:%d\r\n" % (method, path, version, port)
    for k, v in headers:
        req += "%s: %s\r\n" % (k, v)
    s.sendall((req + "\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode(errors="replace").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs.setdefault(k.strip().lower(), []).append(v.strip())
    return status, hdrs, rest, s


def ws_headers(key="dGhlIHNhbXBsZSBub25jZQ==", protocol=PROTOCOL, version="13", token=TOKEN):
    h = [("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Key", key),
         ("Sec-WebSocket-Version", version)]
    if protocol is not None:
        h.append(("Sec-WebSocket-Protocol", protocol))
    if token is not None:
        h.append(("x-afb-token", token))
    return h


def frame(opcode, payload=b"", fin=True, mask=True, rsv=0, length=None):
    """One frame; 'length' overrides the announced payload length."""
    if isinstance(payload, str):
        payload = payload.encode()
    n = len(payload) if length is None else length
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    mbit = 0x80 if mask else 0
    if n < 126:
        head = struct.pack("!BB", b0, mbit | n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, mbit | 126, n)
    else:
        head = struct.pack("!BBQ", b0, mbit | 127, n)
    if mask:
        key = os.urandom(4)
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        head += key
    return head + payload


class RawWS:
    """A hand-driven WebSocket connection (blocking socket)."""

    def __init__(self, daemon, token=TOKEN, extra_bytes=b""):
        key = base64.b64encode(os.urandom(16)).decode()
        s = socket.create_connection(("127.0.0.1", daemon.port), timeout=10)
        req = ("GET /api?token=%s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: %s\r\n\r\n"
               % (token, key, PROTOCOL))
        s.sendall(req.encode() + extra_bytes)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                raise ConnectionError("no handshake reply")
            data += chunk
        head, _, self.buf = data.partition(b"\r\n\r\n")
        check(head.startswith(b"HTTP/1.1 101"), "handshake failed: %r" % head)
        check(accept_key(key).encode() in head, "bad accept key")
        self.s = s

    def send(self, data):
        self.s.sendall(data)

    def send_text(self, text, mask=True):
        self.s.sendall(frame(1, text, mask=mask))

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed")
            self.buf += chunk

    def recv_frame(self):
        """(fin, opcode, payload) of the next frame; the server never masks."""
        self._need(2)
        b0, b1 = self.buf[0], self.buf[1]
        check(not (b1 & 0x80), "the server masked a frame")
        n, off = b1 & 0x7F, 2
        if n == 126:
            self._need(4)
            n, off = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            self._need(10)
            n, off = struct.unpack("!Q", self.buf[2:10])[0], 10
        self._need(off + n)
        payload, self.buf = self.buf[off:off + n], self.buf[off + n:]
        return bool(b0 & 0x80), b0 & 0x0F, payload

    def recv_json(self):
        fin, op, payload = self.recv_frame()
        check(fin and op == 1, "expected a text frame, got opcode %d" % op)
        return json.loads(payload)

    def recv_replies(self, n):
        """The next n messages, by id: replies of calls sent at once come
        in any order, as the daemon runs them concurrently."""
        got = {}
        for _ in range(n):
            m = self.recv_json()
            check(m[1] not in got, "two replies for id %r" % m[1])
            got[m[1]] = m
        return got

    def recv_close(self):
        """The close code of the server's close frame (skipping other frames)."""
        while True:
            fin, op, payload = self.recv_frame()
            if op == 8:
                return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None

    def at_eof(self, timeout=5):
        """True when the server closes the TCP connection within 'timeout'."""
        self.s.settimeout(timeout)
        try:
            while True:
                if not self.s.recv(65536):
                    return True
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True

    def close(self):
        self.s.close()


# ------------------------------------------------------------------ checks

class CheckFailed(Exception):
    pass


def wait_log(d, pattern, timeout=10):
    """The first match of 'pattern' (multiline) in the log of daemon d, waited for."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = re.search(pattern, d.read_log(), re.M)
        if m:
            return m
        time.sleep(0.05)
    raise AssertionError("no line matching %r in the log:\n%s" % (pattern, d.read_log()[-4000:]))


def check(cond, what="check failed"):
    if not cond:
        raise CheckFailed(what)


def run(name, fn, timeout=120):
    """Runs the check 'fn' (a coroutine function or a function)."""
    only = os.environ.get("AFBT_ONLY")
    if only and only not in name:
        return
    start = time.time()
    try:
        if asyncio.iscoroutinefunction(fn):
            asyncio.run(asyncio.wait_for(fn(), timeout))
        else:
            fn()
        _results["passed"] += 1
        print("ok %s (%.2f s)" % (name, time.time() - start), flush=True)
    except Exception:
        _results["failed"] += 1
        print("FAIL %s\n%s" % (name, traceback.format_exc()), flush=True)
        for d in _daemons:
            print("--- daemon log (port %s):\n%s" % (d.port, tail(d.read_log())), flush=True)


def done():
    _cleanup()
    print("%d passed, %d failed" % (_results["passed"], _results["failed"]))
    sys.exit(0 if _results["failed"] == 0 and _results["passed"] > 0 else 1)
