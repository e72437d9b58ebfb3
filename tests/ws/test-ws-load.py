#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""200 simultaneous connections, each making pipelined calls."""
import asyncio
import json

from wsutil import Daemon, binding, check, connect, done, run

# 200 connections from one address: beyond the default --http-max-per-address
D = Daemon("--binding", binding("hello"), "--http-max-per-address", "0")
CONNECTIONS = 200
CALLS = 25


async def session(c, n):
    futs = []
    for i in range(CALLS):
        verb, args = ("echo", {"conn": n, "i": i}) if i % 2 else ("ping", None)
        msg, fut = c.send_call("hello", verb, args)
        futs.append((verb, args, fut))
        await c.ws.send(json.dumps(msg))
    for verb, args, fut in futs:
        r = await fut
        check(r[0] == 3, r)
        check(r[2]["response"] == (args if verb == "echo" else {"ping": "pong"}), r)


async def t_many_connections():
    base = D.fd_count()
    clients = await asyncio.gather(*(connect(D) for _ in range(CONNECTIONS)))
    check(D.fd_count() >= base + CONNECTIONS, "%d fds" % D.fd_count())
    await asyncio.gather(*(session(c, n) for n, c in enumerate(clients)))
    # a broadcast reaches all of them
    r = await clients[0].ok("hello", "broadcast", {"name": "all", "data": 7})
    check(r["count"] >= CONNECTIONS, r)
    for c in clients:
        m = await c.event()
        check(m[1] == "hello/all" and m[2]["data"] == 7, m)
    await asyncio.gather(*(c.close() for c in clients))
    deadline = asyncio.get_running_loop().time() + 5
    while D.fd_count() > base and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    check(D.fd_count() <= base, "%d fds left, %d before" % (D.fd_count(), base))


async def t_churn():
    # connections opened and closed in a loop, calls in flight at close
    for round in range(10):
        clients = await asyncio.gather(*(connect(D) for _ in range(20)))
        for c in clients:
            msg, fut = c.send_call("hello", "timer", {"ms": 50})
            await c.ws.send(json.dumps(msg))
        await asyncio.gather(*(c.close() for c in clients))
    await asyncio.sleep(0.3)


def t_stop():
    D.stop()


run("many-connections", t_many_connections, timeout=300)
run("churn", t_churn)
run("stop", t_stop)
done()
