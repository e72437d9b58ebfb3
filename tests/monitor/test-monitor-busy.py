#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A trace of a busy daemon must not stall it: a tracer that stops
reading while thousands of traced requests run does not slow the other
clients down nor make the daemon's memory grow without bound; its
records are dropped, counted, and the next one it reads says how many."""
import asyncio
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ws"))
from wsutil import Daemon, RawWS, binding, check, connect, done, run  # noqa: E402

D = Daemon("--binding", binding("hello"))
# the build's sanitizer (meson sets AFB_SANITIZE): their allocators keep what is freed (ASan's quarantine,
# ThreadSanitizer never gives memory back) and add their shadow: the memory bound is the normal build's
SANITIZED = os.environ.get("AFB_SANITIZE", "none") not in ("", "none")
PAYLOAD = {"blob": "x" * 2000}
CALLS = 3000


async def flood(c, n, inflight=64):
    """n calls of hello/echo, 'inflight' at a time; returns the longest round trip."""
    worst = 0.0
    sem = asyncio.Semaphore(inflight)

    async def one(i):
        nonlocal worst
        async with sem:
            t = time.monotonic()
            r = await c.call("hello", "echo", PAYLOAD, timeout=60)
            worst = max(worst, time.monotonic() - t)
            check(r[0] == 3, r)
    await asyncio.gather(*(one(i) for i in range(n)))
    return worst


async def t_busy():
    # the tracer: a raw socket, which stops reading
    tracer = RawWS(D)
    tracer.send_text(json.dumps([2, "t1", "monitor/trace", {"add": {"api": "hello", "request": "all"}}]))
    reply = tracer.recv_json()
    check(reply[0] == 3, reply)
    rss0 = D.rss_kib()
    client = await connect(D)
    start = time.monotonic()
    worst = await flood(client, CALLS)
    elapsed = time.monotonic() - start
    # the other client was served: no stall while the tracer is stuck
    check(worst < 10, "a call took %.1f s" % worst)
    t = time.monotonic()
    await client.ok("hello", "ping")
    check(time.monotonic() - t < 2, "ping took %.1f s after the flood" % (time.monotonic() - t))
    grown = D.rss_kib() - rss0
    print("# %d traced calls in %.1f s, worst round trip %.3f s, RSS +%d KiB" % (CALLS, elapsed, worst, grown))
    # unbounded, the records (~4 per call, each with the 2 KB payload) would take ~50 MB
    if not SANITIZED:
        # ThreadSanitizer's shadow memory doubles what the records take
        limit = 80 if os.environ.get("AFB_SANITIZE") == "thread" else 40
        check(grown < limit * 1024, "the daemon grew by %d KiB" % grown)
    counts = (await client.ok("monitor", "get", {"trace": True}))["trace"]
    check(counts["dropped"] > 0 and counts["queued"] >= CALLS, counts)
    # the tracer reads again: the records come, one of them tells the drops
    tracer.s.settimeout(20)
    dropped, n = 0, 0
    deadline = time.time() + 60
    while time.time() < deadline and not dropped:
        m = tracer.recv_json()
        if m[0] == 5:
            n += 1
            dropped = m[2]["data"].get("dropped", 0)
    check(dropped > 0, "no record told its drops after %d records" % n)
    check("records of monitor/trace dropped" in D.read_log(), "the drops are not logged")
    tracer.close()
    await client.close()


run("busy", t_busy, timeout=280)
D.stop()
done()
