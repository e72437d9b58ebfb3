#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Every sample verb over x-afb-ws-json1, ids, ordering, tokens and renewal."""
import asyncio
import json

from wsutil import Daemon, binding, test_binding, check, connect, done, run, TOKEN

D = Daemon("--binding", binding("hello"), "--binding", binding("auth"), "--binding", binding("post"),
           "--binding", binding("tictactoe"), "--binding", test_binding("block"))


def status(r):
    return r[2]["request"]["status"]


async def t_hello_simple():
    c = await connect(D)
    r = await c.call("hello", "ping")
    check(r[0] == 3 and r[2]["response"] == {"ping": "pong"} and r[2]["jtype"] == "afb-reply", r)
    check(r[2]["request"]["info"] == "Ping Binder Daemon", r)
    # verbs and apis are matched ignoring case
    check((await c.call("HELLO", "PiNg"))[0] == 3)
    r = await c.call("hello", "pingfail")
    check(r[0] == 4 and status(r) == "failed" and "response" not in r[2], r)
    r = await c.call("hello", "pingnull")
    check(r[0] == 3 and "response" not in r[2], r)
    args = {"a": [1, 2.5, None, True], "s": "caf\u00e9 \"quoted\" \\ / <tag>", "n": {"deep": {"er": 1}}}
    for verb in ("pingJson", "echo"):
        r = await c.call("hello", verb, args)
        check(r[0] == 3 and r[2]["response"] == args, r)
    r = await c.call("hello", "fail", {"status": "my-status", "info": "my info"})
    check(r[0] == 4 and status(r) == "my-status" and r[2]["request"]["info"] == "my info", r)
    r = await c.call("hello", "noreply")
    check(r[0] == 4 and status(r) == "error" and r[2]["request"]["info"] == "no reply", r)
    r = await c.call("hello", "doublereply")
    check(r[0] == 3 and r[2]["response"] == {"reply": 1}, r)
    r = await c.call("hello", "store")
    check(r[0] == 3 and r[2]["request"]["info"] == "replied from a stored request", r)
    r = await c.call("hello", "verbose", {"message": "from ws"})
    check(r[0] == 3, r)
    r = await c.call("hello", "hasperm", {"perm": "urn:test"})
    check(r[0] in (3, 4), r)
    await c.close()


async def t_errors():
    c = await connect(D)
    r = await c.call("nosuchapi", "ping")
    check(r[0] == 4 and status(r) == "unknown-api", r)
    r = await c.call("hello", "nosuchverb")
    check(r[0] == 4 and status(r) == "unknown-verb", r)
    await c.close()


async def t_args_kinds():
    c = await connect(D)
    # args may be any JSON value, or absent (null)
    for args in (None, [], [1, "two"], "text", 42, {}):
        r = await c.call("hello", "echo", args)
        check(r[0] == 3, (args, r))
    await c.close()


async def t_ids():
    c = await connect(D)
    # ids are echoed as received: strings (escaped) and numbers
    for id in ("1", "x y", "quote\"back\\slash", "\u00e9t\u00e9", "", 0, 17, -3, 2.5, 12345678901234):
        r = await c.call("hello", "ping", id=id)
        check(r[1] == id and type(r[1]) == type(id), (id, r))
    # an escaped id in the call's text
    msg, fut = c.send_call("hello", "ping", id='a"b')
    await c.ws.send('[2,"a\\"b","hello/ping",null]')
    r = await fut
    check(r[0] == 3 and r[1] == 'a"b', r)
    # JSON whitespace anywhere, the 2017 parser accepted spaces only
    msg, fut = c.send_call("hello", "ping", id="ws")
    await c.ws.send('\n[ 2 ,\t"ws",\r\n "hello/ping" , { } ]\n')
    check((await fut)[0] == 3)
    await c.close()


async def t_out_of_order():
    c = await connect(D)
    slow_msg, slow = c.send_call("hello", "timer", {"ms": 400})
    fast_msg, fast = c.send_call("hello", "ping")
    sleep_msg, sleeping = c.send_call("hello", "sleep", {"ms": 200})
    for m in (slow_msg, sleep_msg, fast_msg):
        await c.ws.send(json.dumps(m))
    done_first, _ = await asyncio.wait([slow, fast, sleeping], return_when=asyncio.FIRST_COMPLETED)
    check(fast in done_first, "the ping did not come first")
    r = await slow
    check(r[0] == 3 and r[2]["response"]["ms"] == 400, r)
    check((await sleeping)[0] == 3)
    # replies in any order: the reader saw the timer last
    ids = [m[1] for m in c.messages if m[0] in (3, 4)]
    check(ids.index(fast_msg[1]) < ids.index(slow_msg[1]), ids)
    await c.close()


async def t_many_in_flight():
    c = await connect(D)
    futs = []
    # more than the per-connection limit: the input pauses and resumes
    for i in range(600):
        msg, fut = c.send_call("hello", "echo", {"i": i})
        futs.append(fut)
        await c.ws.send(json.dumps(msg))
    replies = await asyncio.gather(*futs)
    check(all(r[0] == 3 and r[2]["response"] == {"i": i} for i, r in enumerate(replies)))
    await c.close()


async def t_subcalls():
    c = await connect(D)
    for verb in ("call", "callsync", "callreq"):
        r = await c.call("hello", verb, {"api": "hello", "verb": "echo", "args": {"x": 1}})
        check(r[0] == 3 and r[2]["response"]["result"]["response"] == {"x": 1}, (verb, r))
        r = await c.call("hello", verb, {"api": "hello", "verb": "pingfail"})
        check(r[0] == 4, (verb, r))
    await c.close()


async def t_context():
    c = await connect(D)
    await c.ok("hello", "contextset", {"value": "v1"})
    check(await c.ok("hello", "contextget") == {"value": "v1"})
    m = await c.ok("hello", "contextmake")
    check(m["value"] == "v1", m)
    # another connection, another session
    c2 = await connect(D)
    check(await c2.ok("hello", "contextget") is None)
    await c2.close()
    await c.close()


async def t_token_renewal():
    c = await connect(D)
    r = await c.call("auth", "check")
    check(r[0] == 4 and status(r) == "denied", r)
    r = await c.call("auth", "login")
    check(r[0] == 3 and len(r) == 4, r)
    new = r[3]
    check(new != TOKEN and r[2]["request"]["token"] == new, r)
    # the old token no longer validates a call that presents it
    r = await c.call("auth", "check", token=TOKEN)
    check(r[0] == 4 and status(r) == "denied", r)
    # the new one does, and without token the upgrade's validation holds
    r = await c.call("auth", "check", token=new)
    check(r[0] == 3 and len(r) == 3, r)
    r = await c.call("auth", "check")
    check(r[0] == 3, r)
    r = await c.call("auth", "refresh", token=new)
    check(r[0] == 3 and len(r) == 4 and r[3] != new, r)
    newer = r[3]
    r = await c.call("auth", "logout", token=newer)
    check(r[0] == 3, r)
    r = await c.call("auth", "check")
    check(r[0] == 4, r)
    await c.close()


async def t_other_samples():
    c = await connect(D)
    for verb in ("json", "upload"):  # made for HTTP bodies: they answer, whatever the answer
        r = await c.call("post", verb, {"a": 1})
        check(r[0] in (3, 4), r)
    r = await c.call("tictactoe", "new")
    check(r[0] == 3 and r[2]["response"]["moves"] == 0, r)
    r = await c.call("tictactoe", "move", {"index": 4})
    check(r[0] == 3 and r[2]["response"]["board"][4] == "X", r)
    r = await c.call("block", "slow", {"ms": 50})
    check(r[0] == 3, r)
    await c.close()


async def t_blocking_verb_does_not_block_others():
    c = await connect(D)
    c2 = await connect(D)
    msg, waiting = c.send_call("block", "wait", {"ms": 10000})
    await c.ws.send(json.dumps(msg))
    await asyncio.sleep(0.1)
    # the loop still serves the other connection, and this one
    check((await c2.call("hello", "ping"))[0] == 3)
    check((await c.call("hello", "ping"))[0] == 3)
    r = await c2.ok("block", "release")
    check(r["released"] >= 1, r)
    check((await waiting)[0] == 3)
    await c2.close()
    await c.close()


def t_stop():
    D.stop()


run("hello-simple", t_hello_simple)
run("errors", t_errors)
run("args-kinds", t_args_kinds)
run("ids", t_ids)
run("out-of-order", t_out_of_order)
run("many-in-flight", t_many_in_flight)
run("subcalls", t_subcalls)
run("context", t_context)
run("token-renewal", t_token_renewal)
run("other-samples", t_other_samples)
run("blocking-verb", t_blocking_verb_does_not_block_others)
run("stop", t_stop)
done()
