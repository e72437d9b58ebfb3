#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Tracing of bindings of API v2 and v3: their daemon and service
interfaces (afb_api_* of v3, afb_daemon_* / afb_service_* of v2) and
their request interface, as the 2017 binder traced v1's, with the 2017
action names and data layouts (monitor-and-afbjs reference, section 4.3):
to the log (--traceditf, --tracesvc, --tracereq, --traceevt) and to a
monitor/trace subscriber. The samples hello3 (v3) and hello2 (v2) run
side by side and call each other."""
import asyncio
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ws"))
from wsutil import Daemon, binding, check, connect, done, run, wait_log  # noqa: E402

BINDINGS = ("--binding", binding("hello3"), "--binding", binding("hello2"))


def hook_data(d, where, action, timeout=10):
    """The JSON data of the first line 'HOOK: [where] action {...}' of the log."""
    m = wait_log(d, r"HOOK: \[%s\] %s (\{.*\})$" % (re.escape(where), action), timeout)
    return json.loads(m.group(1))


async def t_log_v3():
    """--traceditf/--tracesvc/--tracereq/--traceevt all: every afb_api_* of hello3."""
    d = Daemon("--traceditf", "all", "--tracesvc", "all", "--tracereq", "all", "--traceevt", "all", *BINDINGS)
    with open(os.path.join(d.dir, "note.txt"), "w") as f:
        f.write("a note\n")
    # the start of the api: init, and the daemon calls it makes
    wait_log(d, r"HOOK: \[service hello3\] start_before$")
    wait_log(d, r"HOOK: \[api hello3\] get_event_loop$")
    check(hook_data(d, "api hello3", "vverbose")["message"] == "the binding hello3 comes to life")
    check(hook_data(d, "service hello3", "start_after") == {"result": 0})
    c = await connect(d)
    # events: make, broadcast (received by both bindings' handlers)
    await c.ok("hello3", "event-make", {"name": "t3"})
    em = hook_data(d, "api hello3", "event_make")
    check(em["name"] == "t3" and em["event"] == "hello3/t3" and em["id"] > 0, em)
    wait_log(d, r"HOOK: \[evt hello3/t3:%d\] name$" % em["id"])
    await c.ok("hello3", "broadcast", {"name": "b3", "data": {"k": 1}})
    check(hook_data(d, "api hello3", "event_broadcast_before") == {"name": "b3", "data": {"k": 1}})
    # reached: the listeners of both bindings and the WebSocket client
    check(hook_data(d, "api hello3", "event_broadcast_after") == {"name": "b3", "data": {"k": 1}, "result": 3})
    check(hook_data(d, "service hello3", "on_event_before") == {"event": "hello3/b3", "id": 0, "data": {"k": 1}})
    check(hook_data(d, "service hello3", "on_event_after") == {"event": "hello3/b3", "id": 0, "data": {"k": 1}})
    # a pushed event reaches a handler with its id
    await c.ok("hello3", "subcall", {"api": "hello3", "verb": "event-sub", "args": {"name": "t3"}, "flags": 1})
    await c.ok("hello3", "event-push", {"name": "t3", "data": [7]})
    for action in ("on_event_before", "on_event_after"):
        m = wait_log(d, r"HOOK: \[service hello3\] %s (\{\"event\":\"hello3/t3\".*\})$" % action)
        check(json.loads(m.group(1)) == {"event": "hello3/t3", "id": em["id"], "data": [7]}, m.group(1))
    # the root directory, a locale's file, the buses, a queued job, a required api
    await c.ok("hello3", "rootdir")
    fd = hook_data(d, "api hello3", "rootdir_get_fd")
    check(fd["result"] >= 0 and os.path.samefile(fd["path"], d.dir), fd)
    await c.ok("hello3", "rootdir", {"file": "note.txt"})
    ol = hook_data(d, "api hello3", "rootdir_open_locale")
    check(ol["file"] == "note.txt" and ol["flags"] == 0 and ol["result"] >= 0
          and os.path.samefile(ol["path"], os.path.join(d.dir, "note.txt")), ol)
    r = await c.call("hello3", "rootdir", {"file": "missing.txt"})
    check(r[0] == 4, r)
    m = wait_log(d, r"HOOK: \[api hello3\] rootdir_open_locale (\{\"file\":\"missing.txt\".*\})$")
    check(json.loads(m.group(1)) == {"file": "missing.txt", "flags": 0, "result": -1,
                                     "error": "No such file or directory"}, m.group(1))
    await c.ok("hello3", "buses")
    wait_log(d, r"HOOK: \[api hello3\] get_user_bus$")
    wait_log(d, r"HOOK: \[api hello3\] get_system_bus$")
    await c.ok("hello3", "queue")
    check(hook_data(d, "api hello3", "queue_job") == {"result": 0})
    await c.ok("hello3", "require", {"api": "hello2", "initialized": "1"})
    check(hook_data(d, "api hello3", "require_api") == {"name": "hello2", "initialized": True})
    check(hook_data(d, "api hello3", "require_api_result") == {"name": "hello2", "initialized": True, "result": 0})
    # api calls, v3 and legacy, asynchronous and synchronous: the 2017 service call actions
    for how, action in (("call", "call"), ("call-legacy", "call"), ("callsync", "callsync"),
                        ("callsync-legacy", "callsync")):
        await c.ok("hello3", how, {"api": "hello2", "verb": "echo", "args": {"how": how}})
        m = wait_log(d, r"HOOK: \[service hello3\] %s (\{.*\"how\":\"%s\".*\})$" % (action, how))
        check(json.loads(m.group(1)) == {"api": "hello2", "verb": "echo", "args": {"how": how}}, m.group(1))
    results = [json.loads(x) for x in re.findall(r"HOOK: \[service hello3\] call_result (\{.*\})$", d.read_log(), re.M)]
    check(len(results) == 2 and all(x["status"] == 0 and x["result"]["jtype"] == "afb-reply"
                                    and x["result"]["request"]["status"] == "success" for x in results), results)
    results = [json.loads(x) for x in re.findall(r"HOOK: \[service hello3\] callsync_result (\{.*\})$", d.read_log(),
                                                 re.M)]
    check(len(results) == 2 and all(x["status"] == 0 and x["result"]["response"] == {"how": h}
                                    for x, h in zip(results, ("callsync", "callsync-legacy"))), results)
    r = await c.call("hello3", "callsync", {"api": "hello2", "verb": "fail"})
    check(r[0] == 4, r)
    m = wait_log(d, r"HOOK: \[service hello3\] callsync_result (\{\"status\":-1.*\})$")
    check(json.loads(m.group(1)) == {"status": -1, "result": {"jtype": "afb-reply", "request": {
        "status": "failed", "info": "this verb always fails"}}}, m.group(1))
    # its requests: arguments, references, contexts, log, subcalls
    await c.ok("hello3", "echo", {"e": 1})
    wait_log(d, r"HOOK: \[xreq-\d+:hello3/echo\] json \{\"result\":\{\"e\":1\}\}$")
    await c.ok("hello3", "ref")
    wait_log(d, r"HOOK: \[xreq-\d+:hello3/ref\] addref$")
    wait_log(d, r"HOOK: \[xreq-\d+:hello3/ref\] unref$")
    await c.ok("hello3", "ctx-set", {"value": "v"})
    wait_log(d, r"HOOK: \[xreq-\d+:hello3/ctx-set\] context_set$")
    await c.ok("hello3", "ctx-get")
    wait_log(d, r"HOOK: \[xreq-\d+:hello3/ctx-get\] context_get$")
    await c.ok("hello3", "verbose", {"message": "hi", "level": 4})
    vv = json.loads(wait_log(d, r"HOOK: \[xreq-\d+:hello3/verbose\] vverbose (\{.*\})$").group(1))
    check(vv["level"] == 4 and vv["type"] == "warning" and vv["message"] == "verbose: hi"
          and vv["position"]["function"] == "verbose", vv)
    # afb_req_subcall_legacy of v3 is the 2017 subcall_req (its callback gets the request)
    for how, action in (("subcall", "subcall"), ("subcall-legacy", "subcall_req"), ("subcallsync", "subcallsync"),
                        ("subcallsync-legacy", "subcallsync")):
        await c.ok("hello3", how, {"api": "hello2", "verb": "echo", "args": {"sub": how}})
        m = wait_log(d, r"HOOK: \[xreq-(\d+):hello3/%s\] %s (\{\"api\":\"hello2\".*\})$" % (how, action))
        check(json.loads(m.group(2)) == {"api": "hello2", "verb": "echo", "args": {"sub": how}}, m.group(2))
        r = json.loads(wait_log(d, r"HOOK: \[xreq-%s:hello3/%s\] %s_result (\{.*\})$"
                                % (m.group(1), how, action)).group(1))
        check(r["status"] == 0 and r["result"]["response"] == {"sub": how}
              and r["result"]["request"]["status"] == "success", r)
    await c.close()
    d.stop()


async def t_log_v2():
    """The same for the daemon, service and request tables of a v2 binding."""
    d = Daemon("--traceditf", "all", "--tracesvc", "all", "--tracereq", "all", "--traceevt", "all", *BINDINGS)
    wait_log(d, r"HOOK: \[service hello2\] start_before$")
    check(hook_data(d, "api hello2", "vverbose")["message"] == "hello2 comes to life")
    tick = hook_data(d, "api hello2", "event_make")
    check(tick["name"] == "tick" and tick["event"] == "hello2/tick" and tick["id"] > 0, tick)
    check(hook_data(d, "service hello2", "start_after") == {"result": 0})
    c = await connect(d)
    await c.ok("hello2", "broadcast", {"name": "b2", "data": "x"})
    check(hook_data(d, "api hello2", "event_broadcast_before") == {"name": "b2", "data": "x"})
    check(hook_data(d, "api hello2", "event_broadcast_after") == {"name": "b2", "data": "x", "result": 3})
    check(hook_data(d, "service hello2", "on_event_before") == {"event": "hello2/b2", "id": 0, "data": "x"})
    await c.ok("hello2", "push", {"data": 1})
    wait_log(d, r"HOOK: \[evt hello2/tick:%d\] name$" % tick["id"])
    await c.ok("hello2", "require", {"api": "hello3"})
    check(hook_data(d, "api hello2", "require_api_result") == {"name": "hello3", "initialized": False, "result": 0})
    # service calls (afb_service_call keeps the request: store, then unstore through the daemon table)
    await c.ok("hello2", "call", {"api": "hello3", "verb": "echo", "args": {"v2": "call"}})
    check(hook_data(d, "service hello2", "call") == {"api": "hello3", "verb": "echo", "args": {"v2": "call"}})
    r = hook_data(d, "service hello2", "call_result")
    check(r["status"] == 0 and r["result"]["response"]["args"] == {"v2": "call"}, r)
    wait_log(d, r"HOOK: \[api hello2\] unstore_req$")
    wait_log(d, r"HOOK: \[xreq-(\d+):hello2/call\] store$")
    wait_log(d, r"HOOK: \[xreq-(\d+):hello2/call\] unstore$")
    await c.ok("hello2", "callsync", {"api": "hello3", "verb": "ping"})
    check(hook_data(d, "service hello2", "callsync") == {"api": "hello3", "verb": "ping"})
    check(hook_data(d, "service hello2", "callsync_result")["status"] == 0)
    # requests: subcall, subcall_req, subcallsync, vverbose
    for how, action in (("subcall", "subcall"), ("subcallreq", "subcall_req"), ("subcallsync", "subcallsync")):
        await c.ok("hello2", how, {"api": "hello3", "verb": "ping"})
        m = wait_log(d, r"HOOK: \[xreq-(\d+):hello2/%s\] %s (\{.*\})$" % (how, action))
        check(json.loads(m.group(2))["api"] == "hello3", m.group(2))
        r = json.loads(wait_log(d, r"HOOK: \[xreq-%s:hello2/%s\] %s_result (\{.*\})$"
                                % (m.group(1), how, action)).group(1))
        check(r["status"] == 0 and r["result"]["response"] == {"pong": r["result"]["response"]["pong"]}, r)
    await c.ok("hello2", "verbose", {"message": "v2 hi"})
    vv = json.loads(wait_log(d, r"HOOK: \[xreq-\d+:hello2/verbose\] vverbose (\{.*\})$").group(1))
    check(vv["level"] == 5 and vv["message"] == "verbose: v2 hi", vv)
    await c.ok("hello2", "count")
    wait_log(d, r"HOOK: \[xreq-\d+:hello2/count\] context_get$")
    await c.close()
    d.stop()


async def t_quiet():
    """Without trace options, the same calls write no HOOK line."""
    d = Daemon(*BINDINGS)
    c = await connect(d)
    await c.ok("hello3", "event-make", {"name": "q"})
    await c.ok("hello3", "call", {"api": "hello2", "verb": "ping"})
    await c.ok("hello2", "broadcast", {"name": "q"})
    await c.close()
    d.stop()
    check("HOOK:" not in d.read_log(), d.read_log())


async def traces_until(c, want, timeout=10):
    """TRACE objects received on c, keyed by (event, type, api, action), until 'want' are all seen."""
    seen = {}
    deadline = asyncio.get_running_loop().time() + timeout
    while not set(want) <= set(seen):
        left = deadline - asyncio.get_running_loop().time()
        check(left > 0, ("missing", sorted(set(want) - set(seen)), "seen", sorted(seen)))
        try:
            m = await c.event(left)
        except asyncio.TimeoutError:
            continue
        if not m[1].startswith("monitor/"):
            continue    # a broadcast of the calls below
        t = m[2]["data"]
        desc = t[t["type"]]
        seen.setdefault((m[1], t["type"], desc.get("api"), desc["action"]), t)
    return seen


async def t_monitor():
    """monitor/trace: the daemon and service kinds of v2 and v3 apis, filtered by api, 2017 TRACE objects."""
    d = Daemon(*BINDINGS)
    tracer, client = await connect(d), await connect(d)
    await tracer.ok("monitor", "trace", {"add": [
        {"tag": "V3", "name": "v3", "api": "hello3", "daemon": "all", "service": "all"},
        {"tag": "V2", "name": "v2", "api": "hello2", "daemon": "common", "service": "all"},
        {"tag": "R", "name": "req", "api": "hello3", "request": ["subcall", "subcall_result", "json"]},
    ]})
    await client.ok("hello3", "event-make", {"name": "m3"})
    await client.ok("hello3", "call", {"api": "hello2", "verb": "ping"})
    await client.ok("hello3", "subcall", {"api": "hello2", "verb": "echo", "args": {"s": 1}})
    await client.ok("hello2", "broadcast", {"name": "m2", "data": 2})
    await client.ok("hello2", "callsync", {"api": "hello3", "verb": "ping"})
    seen = await traces_until(tracer, [
        ("monitor/v3", "daemon", "hello3", "event_make"),
        ("monitor/v3", "service", "hello3", "call"),
        ("monitor/v3", "service", "hello3", "call_result"),
        ("monitor/v3", "service", "hello3", "on_event_before"),
        ("monitor/req", "request", "hello3", "json"),
        ("monitor/req", "request", "hello3", "subcall"),
        ("monitor/req", "request", "hello3", "subcall_result"),
        ("monitor/v2", "daemon", "hello2", "event_broadcast_before"),
        ("monitor/v2", "daemon", "hello2", "event_broadcast_after"),
        ("monitor/v2", "service", "hello2", "on_event_after"),
        ("monitor/v2", "service", "hello2", "callsync"),
        ("monitor/v2", "service", "hello2", "callsync_result"),
    ])
    em = seen[("monitor/v3", "daemon", "hello3", "event_make")]
    check(list(em) == ["time", "tag", "type", "id", "daemon", "data"] and em["tag"] == "V3"
          and re.match(r"^\d+\.\d{6}$", em["time"]) and em["daemon"] == {"api": "hello3", "action": "event_make"}
          and em["data"]["name"] == "m3" and em["data"]["event"] == "hello3/m3", em)
    call = seen[("monitor/v3", "service", "hello3", "call")]
    check(call["service"] == {"api": "hello3", "action": "call"}
          and call["data"] == {"api": "hello2", "verb": "ping"}, call)
    res = seen[("monitor/v3", "service", "hello3", "call_result")]
    check(res["data"]["status"] == 0 and res["data"]["result"]["jtype"] == "afb-reply"
          and res["data"]["result"]["request"]["status"] == "success", res)
    oe = seen[("monitor/v3", "service", "hello3", "on_event_before")]
    check(oe["data"] == {"event": "hello2/m2", "id": 0, "data": 2}, oe)
    sc = seen[("monitor/req", "request", "hello3", "subcall")]
    check(sc["request"]["verb"] == "subcall" and sc["data"] == {"api": "hello2", "verb": "echo", "args": {"s": 1}}, sc)
    sr = seen[("monitor/req", "request", "hello3", "subcall_result")]
    check(sr["request"]["index"] == sc["request"]["index"] and sr["data"]["status"] == 0
          and sr["data"]["result"]["response"] == {"s": 1}, sr)
    bb = seen[("monitor/v2", "daemon", "hello2", "event_broadcast_after")]
    # reached: both bindings and both WebSocket clients
    check(bb["tag"] == "V2" and bb["data"] == {"name": "m2", "data": 2, "result": 4}, bb)
    cs = seen[("monitor/v2", "service", "hello2", "callsync_result")]
    check(cs["data"]["status"] == 0 and cs["data"]["result"]["response"] == {"pong": cs["data"]["result"]["response"]
                                                                            ["pong"]}, cs)
    # the filters hold: nothing of hello2 on v3's event; "common" has no extra daemon action (require_api)
    await client.ok("hello2", "require", {"api": "hello3"})
    await client.ok("hello3", "require", {"api": "hello2"})
    seen.update(await traces_until(tracer, [("monitor/v3", "daemon", "hello3", "require_api_result")]))
    await asyncio.sleep(0.3)
    while not tracer.events.empty():
        m = await tracer.event()
        if not m[1].startswith("monitor/"):
            continue
        t = m[2]["data"]
        seen[("-", t["type"], t[t["type"]].get("api"), t[t["type"]]["action"])] = t
    check(not any(k[0] == "monitor/v3" and k[2] != "hello3" for k in seen), sorted(seen))
    check(not any(k[2] == "hello2" and k[3].startswith("require_api") for k in seen), sorted(seen))
    await tracer.ok("monitor", "trace", {"drop": True})
    await client.ok("hello3", "event-make", {"name": "after-drop"})
    await tracer.no_event()
    await tracer.close()
    await client.close()
    d.stop()


run("log-v3", t_log_v3)
run("log-v2", t_log_v2)
run("quiet", t_quiet)
run("monitor", t_monitor)
done()
