#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""UTF-8 and WebSocket clients (binder/core/utf8.h).

python3-websockets decodes text frames strictly and closes with 1007 on
invalid UTF-8: it is the independent judge here. One HTTP client sending
raw bytes must not get every WebSocket client disconnected (issue 8 item
3), and a binding emitting bad strings (test binding badtext) in replies,
failures and events must not break any connection: the daemon repairs
them with U+FFFD.
"""
import asyncio
import http.client
import json

from wsutil import Daemon, binding, check, connect, done, run, test_binding

D = Daemon("--binding", binding("hello"), "--binding", test_binding("badtext"))
FFFD = "\ufffd"


def http_post(path, body, ctype="application/json"):
    c = http.client.HTTPConnection("127.0.0.1", D.port, timeout=10)
    c.request("POST", path, body=body, headers={"Content-Type": ctype, "x-afb-token": "ws-test-token"})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


async def t_http_broadcast_refused():
    clients = [await connect(D) for _ in range(3)]
    for c in clients:
        await c.ok("hello", "ping")
    status, body = http_post("/api/hello/broadcast", b'{"name":"x","data":"\xff\xfe"}')
    check(status == 400, (status, body))
    check(b"invalid UTF-8" in body, body)
    body.decode("utf-8")  # the refusal itself is UTF-8
    # the same broadcast with valid text reaches everyone, still connected
    status, body = http_post("/api/hello/broadcast", '{"name":"x","data":"caf\u00e9"}'.encode())
    check(status == 200, (status, body))
    for c in clients:
        m = await c.event()
        check(m[1] == "hello/x" and m[2]["data"] == "caf\u00e9", m)
        check(not c.closed.done(), "a subscriber was disconnected")
        await c.ok("hello", "ping")
        await c.close()


async def t_bad_reply():
    c = await connect(D)
    r = await c.call("badtext", "reply")
    check(r[0] == 3, r)
    env = r[2]
    check(env["response"] == {"text": "a" + FFFD * 2 + "b", "k" + FFFD: FFFD * 3}, env)
    check(env["request"]["info"] == "i" + FFFD, env)
    r = await c.call("badtext", "fail")
    check(r[0] == 4, r)
    check(r[2]["request"]["status"] == "bad" + FFFD + "status", r)
    check(r[2]["request"]["info"] == "why" + FFFD, r)
    await c.ok("hello", "ping")
    check(not c.closed.done(), "closed")
    await c.close()


async def t_bad_events():
    a, b = await connect(D), await connect(D)
    await a.ok("badtext", "subscribe")
    r = await b.ok("badtext", "push")
    check(r == {"count": 1}, r)
    m = await a.event()
    check(m[1] == "badtext/ev" + FFFD and m[2]["event"] == m[1], m)
    check(m[2]["data"] == {"data": FFFD * 2}, m)
    await b.no_event(0.2)
    r = await b.ok("badtext", "broadcast")
    for x in (a, b):
        m = await x.event()
        check(m[1] == "badtext/all" + FFFD and m[2]["data"] == FFFD, m)
    for x in (a, b):
        await x.ok("hello", "ping")
        check(not x.closed.done(), "closed")
        await x.close()
    check("U+FFFD" in D.read_log(), "no warning about the repairs")


async def t_nan_goes_out_as_null():
    """json-c reads NaN and Infinity (even strict): JSON has none, and a
    browser's JSON.parse throws on them. A client's NaN broadcast to all
    must reach them as null."""
    a, b = await connect(D), await connect(D)
    msg, fut = a.send_call("hello", "broadcast")
    text = json.dumps(msg)
    check(text.endswith("null]"), text)
    await a.ws.send(text[:-5] + '{"name":"nan","data":[NaN,Infinity,-Infinity,1]}]')
    await asyncio.wait_for(fut, 10)
    m = await b.event()
    check(m[2]["data"] == [None, None, None, 1], m)
    r = await a.call("hello", "echo", {"x": float("nan")})
    check(r[2]["response"]["x"] is None, r)
    for x in (a, b):
        check(not x.closed.done(), "closed")
        await x.close()


run("http-broadcast-refused", t_http_broadcast_refused)
run("nan-goes-out-as-null", t_nan_goes_out_as_null)
run("bad-reply", t_bad_reply)
run("bad-events", t_bad_events)
D.stop()
done()
