#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Clients that leave abruptly, and a daemon stopped with connections open."""
import asyncio
import json
import socket
import struct
import time

from wsutil import Daemon, RawWS, binding, test_binding, check, connect, done, frame, run

D = Daemon("--binding", binding("hello"), "--binding", test_binding("block"))


def call_text(id, api, verb, args=None):
    return json.dumps([2, id, api + "/" + verb, args])


def wait_fds(base, timeout=5):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if D.fd_count() <= base:
            return True
        time.sleep(0.05)
    return False


async def t_vanish_with_calls_pending():
    base = D.fd_count()
    r = RawWS(D)
    for i in range(10):
        r.send_text(call_text("t%d" % i, "hello", "timer", {"ms": 300}))
    r.send_text(call_text("w", "block", "wait", {"ms": 3000}))
    r.send_text(call_text("s", "hello", "sleep", {"ms": 200}))
    time.sleep(0.1)
    r.close()  # no close frame: the client just vanishes
    check(wait_fds(base), "the socket was not closed: %d fds, %d before" % (D.fd_count(), base))
    c = await connect(D)
    check((await c.ok("block", "waiting"))["waiting"] == 1)
    check((await c.ok("block", "release"))["released"] == 1)
    await asyncio.sleep(0.5)  # the timers reply to nobody
    check((await c.call("hello", "ping"))[0] == 3)
    await c.close()
    check(D.alive())


async def t_vanish_with_reset():
    base = D.fd_count()
    r = RawWS(D)
    r.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    pad = "r" * 500000
    for i in range(6):
        r.send_text(call_text("b%d" % i, "hello", "echo", {"pad": pad}))
    time.sleep(0.3)  # replies are queued in the daemon
    r.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    r.close()  # RST
    check(wait_fds(base), "socket kept after a reset")
    c = await connect(D)
    check((await c.call("hello", "ping"))[0] == 3)
    await c.close()


async def t_vanish_mid_frame():
    base = D.fd_count()
    r = RawWS(D)
    data = frame(1, call_text("m", "hello", "ping"))
    r.send(data[:len(data) // 2])
    time.sleep(0.1)
    r.close()
    r = RawWS(D)
    r.send(frame(1, b'[2,"f","hel', fin=False))
    time.sleep(0.1)
    r.close()
    check(wait_fds(base))


async def t_vanish_while_events_flow():
    # pushes from one connection while subscribers come and go
    p = await connect(D)
    await p.ok("hello", "eventadd", {"tag": "v", "name": "flow"})
    stop = False

    async def pusher():
        n = 0
        while not stop:
            await p.ok("hello", "eventpush", {"tag": "v", "data": n})
            await p.ok("hello", "broadcast", {"name": "b", "data": n})
            n += 1
        return n

    task = asyncio.ensure_future(pusher())
    for round in range(30):
        subs = [await connect(D) for _ in range(5)]
        for s in subs:
            await s.ok("hello", "eventsub", {"tag": "v"})
        await asyncio.sleep(0.01)
        for i, s in enumerate(subs):
            if i % 2:
                await s.close()
            else:
                s.ws.transport.abort()  # vanish
                s.reader.cancel()
    stop = True
    n = await task
    check(n > 0)
    # the daemon sees the last resets in its own time: every subscriber is
    # gone once it did (a slow build may take more than a moment)
    deadline = time.time() + 20
    while True:
        r = await p.ok("hello", "eventpush", {"tag": "v"})
        if r == {"count": 0} or time.time() > deadline:
            break
        await asyncio.sleep(0.05)
    check(r == {"count": 0}, r)
    await p.ok("hello", "eventdel", {"tag": "v"})
    await p.close()


def t_stop_with_open_connections():
    # the daemon stops with clients connected: they get close 1001 (going away)
    d = Daemon("--binding", binding("hello"), "--binding", test_binding("block"))
    idle = RawWS(d)
    busy = RawWS(d)
    busy.send_text(call_text("slow", "block", "slow", {"ms": 300}))
    sub = RawWS(d)
    # one after the other: calls sent at once run concurrently
    sub.send_text(call_text("a", "hello", "eventadd", {"tag": "x", "name": "x"}))
    check(sub.recv_json()[:2] == [3, "a"])
    sub.send_text(call_text("s", "hello", "eventsub", {"tag": "x"}))
    check(sub.recv_json()[:2] == [3, "s"])
    time.sleep(0.1)
    d.stop()
    for r in (idle, sub):
        check(r.recv_close() == 1001)
        check(r.at_eof())
    busy.close()


def t_stop():
    D.stop()


run("vanish-with-calls-pending", t_vanish_with_calls_pending)
run("vanish-with-reset", t_vanish_with_reset)
run("vanish-mid-frame", t_vanish_mid_frame)
run("vanish-while-events-flow", t_vanish_while_events_flow)
run("stop-with-open-connections", t_stop_with_open_connections)
run("stop", t_stop)
done()
