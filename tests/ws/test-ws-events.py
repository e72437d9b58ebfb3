#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Events over x-afb-ws-json1: subscriptions belong to their connection."""
import asyncio
import json

from wsutil import Daemon, binding, check, connect, done, run

D = Daemon("--binding", binding("hello"))


def is_event(m, name, data=None, has_data=True):
    env = m[2]
    ok = m[0] == 5 and m[1] == name and env["event"] == name and env["jtype"] == "afb-event"
    if has_data:
        ok = ok and env.get("data") == data
    else:
        ok = ok and "data" not in env
    return ok


async def t_push_subscribers_only():
    a, b, c = await connect(D), await connect(D), await connect(D)
    await a.ok("hello", "eventadd", {"tag": "t1", "name": "foo"})
    await a.ok("hello", "eventsub", {"tag": "t1"})
    await b.ok("hello", "eventsub", {"tag": "t1"})
    r = await c.ok("hello", "eventpush", {"tag": "t1", "data": {"n": 1}})
    check(r == {"count": 2}, r)
    for x in (a, b):
        m = await x.event()
        check(is_event(m, "hello/foo", {"n": 1}), m)
    await c.no_event()
    # b leaves the event: only a gets the next push
    await b.ok("hello", "eventunsub", {"tag": "t1"})
    r = await c.ok("hello", "eventpush", {"tag": "t1", "data": [2]})
    check(r == {"count": 1}, r)
    check(is_event(await a.event(), "hello/foo", [2]))
    await b.no_event()
    # subscriptions are counted: two subscribes need two unsubscribes
    await a.ok("hello", "eventsub", {"tag": "t1"})
    await a.ok("hello", "eventunsub", {"tag": "t1"})
    r = await c.ok("hello", "eventpush", {"tag": "t1"})
    check(r == {"count": 1}, r)
    check(is_event(await a.event(), "hello/foo", has_data=False))
    # the pusher's own event comes before its reply
    await c.ok("hello", "eventsub", {"tag": "t1"})
    await c.ok("hello", "eventpush", {"tag": "t1", "data": 3})
    kinds = [m[0] for m in c.messages]
    check(kinds[-2:] == [5, 3], c.messages[-2:])
    await c.ok("hello", "eventunsub", {"tag": "t1"})
    # a closed connection drops its subscriptions
    await a.close()
    await asyncio.sleep(0.2)
    r = await c.ok("hello", "eventpush", {"tag": "t1", "data": 4})
    check(r == {"count": 0}, r)
    await b.no_event(0.1)
    await c.ok("hello", "eventdel", {"tag": "t1"})
    await b.close()
    await c.close()


async def t_broadcast():
    a, b = await connect(D), await connect(D)
    await a.ok("hello", "eventadd", {"tag": "t2", "name": "bar"})
    await a.ok("hello", "eventsub", {"tag": "t2"})
    # broadcasts reach every connection, subscribed or not
    r = await b.ok("hello", "broadcast", {"name": "news", "data": {"x": "y"}})
    check(r["count"] >= 2, r)
    for x in (a, b):
        check(is_event(await x.event(), "hello/news", {"x": "y"}))
    r = await b.ok("hello", "eventsender", {"name": "sent"})
    for x in (a, b):
        check(is_event(await x.event(), "hello/sent", has_data=False))
    await a.close()
    await asyncio.sleep(0.2)
    r2 = await b.ok("hello", "broadcast", {"name": "news"})
    check(r2["count"] == r["count"] - 1, (r, r2))
    await b.event()
    await b.ok("hello", "eventdel", {"tag": "t2"})
    await b.close()


async def t_escaped_names():
    a = await connect(D)
    name = 'qu"o\\te/sl\u00e9'
    await a.ok("hello", "eventadd", {"tag": "t3", "name": name})
    await a.ok("hello", "eventsub", {"tag": "t3"})
    await a.ok("hello", "eventpush", {"tag": "t3", "data": "d"})
    m = await a.event()
    check(is_event(m, "hello/" + name, "d"), m)
    await a.ok("hello", "eventdel", {"tag": "t3"})
    await a.close()


async def t_event_after_drop():
    a = await connect(D)
    await a.ok("hello", "eventadd", {"tag": "t4", "name": "gone"})
    await a.ok("hello", "eventsub", {"tag": "t4"})
    await a.ok("hello", "eventdel", {"tag": "t4"})
    r = await a.call("hello", "eventpush", {"tag": "t4"})
    check(r[0] == 4, r)
    await a.close()


async def t_many_listeners():
    clients = [await connect(D) for _ in range(50)]
    for c in clients:
        await c.ok("hello", "eventadd", {"tag": "m%d" % id(c), "name": "m"})
    r = await clients[0].ok("hello", "broadcast", {"name": "all", "data": 1})
    check(r["count"] >= 50, r)
    for c in clients:
        check(is_event(await c.event(), "hello/all", 1))
    for c in clients:
        await c.ok("hello", "eventdel", {"tag": "m%d" % id(c)})
        await c.close()


def t_stop():
    D.stop()


run("push-subscribers-only", t_push_subscribers_only)
run("broadcast", t_broadcast)
run("escaped-names", t_escaped_names)
run("event-after-drop", t_event_after_drop)
run("many-listeners", t_many_listeners)
run("stop", t_stop)
done()
