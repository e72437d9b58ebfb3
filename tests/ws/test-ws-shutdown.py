#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""SIGTERM with calls pending on a WebSocket (issue 8, item 5): the reply that
comes within the grace is delivered, the one that would come later is a
[4,...] "cancelled" failure, a call made meanwhile is refused the same way, and
the daemon exits 0 (HTTP and proto-ws: tests/wsapi/test-wsapi-shutdown.c)."""
import asyncio
import json
import signal
import time

from wsutil import Daemon, binding, check, connect, done, run, tail


def threads(d):
    with open("/proc/%d/status" % d.proc.pid) as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return 0


async def t_pending_at_sigterm():
    d = Daemon("--binding", binding("hello"), "--shutdown-grace", "2")
    c = await connect(d)
    await c.ok("hello", "ping")
    base = threads(d)
    soon_msg, soon = c.send_call("hello", "timer", {"ms": 400})
    late_msg, late = c.send_call("hello", "timer", {"ms": 60000})
    await c.ws.send(json.dumps(soon_msg))
    await c.ws.send(json.dumps(late_msg))
    # both verbs returned, their timers run: the requests are pending
    deadline = time.time() + 10
    while threads(d) < base + 2 and time.time() < deadline:
        await asyncio.sleep(0.01)
    check(threads(d) >= base + 2, "the timers did not start")
    t0 = time.time()
    d.proc.send_signal(signal.SIGTERM)
    while "received: stopping" not in d.read_log() and time.time() < t0 + 5:
        await asyncio.sleep(0.01)
    # a call made during the grace is refused
    r = await c.call("hello", "ping", timeout=10)
    check(r[0] == 4 and r[2]["request"]["status"] == "cancelled", r)
    r = await asyncio.wait_for(soon, 10)
    check(r[0] == 3 and r[2]["response"]["ms"] == 400, r)
    r = await asyncio.wait_for(late, 10)
    check(r[0] == 4 and r[2]["request"]["status"] == "cancelled", r)
    check("stopping" in r[2]["request"]["info"], r)
    check(time.time() - t0 < 8, "the failure came after %.1f s" % (time.time() - t0))
    # then the daemon ends by itself, cleanly
    await asyncio.get_running_loop().run_in_executor(None, d.proc.wait, 15)
    log = d.read_log()
    check(d.proc.returncode == 0, "exit status %s\n%s" % (d.proc.returncode, tail(log)))
    check("Sanitizer" not in log and "runtime error:" not in log, tail(log, 80))
    check("1 request(s) not replied within the shutdown grace" in log, tail(log))


run("pending-at-sigterm", t_pending_at_sigterm)
done()
