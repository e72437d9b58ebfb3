#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Requests traced whatever their transport: HTTP, WebSocket, proto-ws
(an api exported to another binder) and D-Bus (on a private bus), and
requests to imported apis on the importing side."""
import asyncio
import os
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ws"))
from wsutil import Daemon, binding, check, connect, done, run, TOKEN  # noqa: E402

# a private session bus for the D-Bus export and import
BUS = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
                       stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
os.environ["DBUS_SESSION_BUS_ADDRESS"] = BUS.stdout.readline().strip()
check(os.environ["DBUS_SESSION_BUS_ADDRESS"], "no private bus")

SOCK = tempfile.mkdtemp(prefix="afb-mon-sock-")
A = Daemon("--binding", binding("hello"), "--binding", binding("tictactoe"),
           "--ws-server", "unix:%s/hello" % SOCK, "--dbus-server", "tictactoe")
B = Daemon("--ws-client", "unix:%s/hello" % SOCK, "--dbus-client", "tictactoe")


async def records(c, want, timeout=10):
    """(api/verb, action) -> TRACE for the records of c until every key of 'want' came."""
    got = {}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not want <= set(got) and loop.time() < deadline:
        try:
            m = await c.event(max(0.1, deadline - loop.time()))
        except asyncio.TimeoutError:
            break
        r = m[2]["data"].get("request")
        if r:
            got.setdefault(("%s/%s" % (r["api"], r["verb"]), r["action"]), r)
    check(want <= set(got), (sorted(want - set(got)), sorted(got)))
    return got


async def t_transports():
    ta, tb = await connect(A), await connect(B)
    await ta.ok("monitor", "trace", {"add": {"request": ["begin", "end"]}})
    await tb.ok("monitor", "trace", {"add": {"request": ["begin", "end"]}})
    client = await connect(B)
    # B's hello is A's, over proto-ws; B's tictactoe is A's, over D-Bus
    await client.ok("hello", "ping", {"via": "proto-ws"})
    for _ in range(50):  # the import finds the exported name on the bus
        r = await client.call("tictactoe", "new")
        if r[0] == 3:
            break
        await asyncio.sleep(0.1)
    check(r[0] == 3, r)
    with urllib.request.urlopen("http://127.0.0.1:%d/api/hello/pingnull?token=%s" % (A.port, TOKEN)) as f:
        check(f.status == 200)
    got_a = await records(ta, {("hello/ping", "begin"), ("tictactoe/new", "begin"), ("hello/pingnull", "begin"),
                               ("hello/ping", "end")})
    check(got_a[("hello/ping", "begin")]["transport"] == "proto-ws", got_a[("hello/ping", "begin")])
    check(got_a[("tictactoe/new", "begin")]["transport"] == "dbus", got_a[("tictactoe/new", "begin")])
    check(got_a[("hello/pingnull", "begin")]["transport"] == "http", got_a[("hello/pingnull", "begin")])
    # the proto-ws link presents the caller's session to A: a session of its own there
    check(len(got_a[("hello/ping", "begin")]["session"]) == 36)
    # on B, the requests to its imported apis, as its clients made them
    got_b = await records(tb, {("hello/ping", "begin"), ("tictactoe/new", "begin")})
    check(got_b[("hello/ping", "begin")]["transport"] == "ws" and got_b[("tictactoe/new", "begin")]["transport"] == "ws",
          got_b)
    # D-Bus callers are unix peers: their credentials are known
    creds = got_a[("tictactoe/new", "begin")].get("credentials")
    check(creds is None or (creds["uid"] == os.getuid() and creds["user"] == str(os.getuid())), creds)
    # the api descriptions of imported apis come from the exporter
    apis = (await tb.ok("monitor", "get", {"apis": ["hello", "tictactoe"]}))["apis"]
    check("/ping" in apis["hello"]["paths"], apis["hello"])
    check(apis["tictactoe"] is None or "/new" in apis["tictactoe"]["paths"], apis["tictactoe"])
    for c in (ta, tb, client):
        await c.close()


run("transports", t_transports)
B.stop()
A.stop()
BUS.terminate()
BUS.wait()
done()
