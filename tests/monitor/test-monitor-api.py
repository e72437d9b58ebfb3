#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The monitor api over x-afb-ws-json1, against the 2017 captures of
/work/shared/reference/monitor-and-afbjs.md (verbs get, set, trace; the
trace grammar and its errors; the TRACE objects of each kind)."""
import asyncio
import json
import os
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ws"))
from wsutil import Daemon, binding, check, connect, done, run  # noqa: E402

D = Daemon("--binding", binding("hello"), "--binding", binding("tictactoe"))


def env(reply):
    return reply[2]


async def call_env(c, verb, args):
    r = await c.call("monitor", verb, args)
    e = dict(env(r))
    e["request"] = {k: v for k, v in e["request"].items() if k != "uuid"}
    return r[0], e


async def traces(c, n, timeout=5, name="monitor/trace"):
    """The next n TRACE objects received on c (events of 'name')."""
    out = []
    while len(out) < n:
        m = await c.event(timeout)
        check(m[0] == 5 and m[1] == name and m[2]["event"] == name and m[2]["jtype"] == "afb-event", m)
        out.append(m[2]["data"])
    return out


async def t_get_verbosity():
    c = await connect(D)
    code, e = await call_env(c, "get", {"verbosity": ["hello", "monitor", "", "nosuch"]})
    check(code == 3 and e["response"] == {"verbosity": {"hello": "warning", "monitor": "warning", "": "warning"}}, e)
    code, e = await call_env(c, "get", {"verbosity": False, "apis": False})
    check(e["response"] == {"verbosity": {}, "apis": {}}, e)
    code, e = await call_env(c, "get", {"verbosity": None, "apis": None})
    check(e["response"] == {}, e)
    for bad in ("x", [1], None):
        code, e = await call_env(c, "get", bad)
        check(code == 3 and e["response"] == {}, e)
    code, e = await call_env(c, "get", {"verbosity": 1})
    check(e["response"]["verbosity"] == {"": "warning", "hello": "warning", "monitor": "warning",
                                         "tictactoe": "warning"}, e)
    code, e = await call_env(c, "get", {"verbosity": {"HELLO": 0, "*": 0}})
    check(set(e["response"]["verbosity"]) == {"HELLO", "hello", "monitor", "tictactoe"}, e)
    await c.close()


async def t_get_apis():
    c = await connect(D)
    code, e = await call_env(c, "get", {"apis": True, "verbosity": True})
    resp = e["response"]
    apis, verb = resp["apis"], resp["verbosity"]
    check(set(apis) == {"hello", "monitor", "tictactoe"}, apis.keys())
    # the 2017 page needs the same api keys in both maps, and level names
    check(set(verb) - {""} == set(apis), verb)
    check(all(v in ("error", "warning", "notice", "info", "debug") for v in verb.values()), verb)
    h = apis["hello"]
    check(h["openapi"] == "3.0.0" and h["info"]["title"] == "hello" and isinstance(h["info"], dict), h)
    check(h["paths"]["/ping"]["get"]["responses"]["200"]["description"] == 'Replies {"ping":"pong"}', h)
    m = apis["monitor"]
    check(m["info"]["title"] == "monitor" and m["info"]["version"] == "1.0" and m["info"]["description"] == "", m)
    check(m["info"]["x-binding-c-generator"]["private"] is True, m)
    check(sorted(m["paths"]) == ["/get", "/set", "/trace"], m)
    check(m["paths"]["/get"]["description"] == "Get monitoring data.", m)
    check(m["paths"]["/trace"]["get"]["responses"]["200"]["description"] == "A complex object array response", m)
    code, e = await call_env(c, "get", {"apis": "HELLO"})
    check(list(e["response"]["apis"]) == ["HELLO"], e)
    code, e = await call_env(c, "get", {"apis": ["nosuch"]})
    check(e["response"] == {"apis": {}}, e)
    await c.close()


async def t_set_verbosity():
    c = await connect(D)
    await c.ok("monitor", "get", {})  # the first reply carries the uuid
    r = await c.call("monitor", "set", {"verbosity": {"hello": "Info", "": "ERROR"}})
    check(r[0] == 3 and env(r) == {"jtype": "afb-reply", "request": {"status": "success"}}, r)
    v = (await c.ok("monitor", "get", {"verbosity": True}))["verbosity"]
    check(v[""] == "error" and v["hello"] == "info" and v["tictactoe"] == "warning", v)
    # integers are clamped to the 2017 scale; invalid values are ignored, still success
    await c.ok("monitor", "set", {"verbosity": {"hello": 7, "tictactoe": -3}})
    for bad in ("loud", 2.7, True, None, [], {}):
        r = await c.call("monitor", "set", {"verbosity": {"hello": bad}})
        check(r[0] == 3, r)
    v = (await c.ok("monitor", "get", {"verbosity": ["hello", "tictactoe"]}))["verbosity"]
    check(v == {"hello": "debug", "tictactoe": "error"}, v)
    # a non-object value: the global level and every api
    await c.ok("monitor", "set", {"verbosity": "warning"})
    v = (await c.ok("monitor", "get", {"verbosity": True}))["verbosity"]
    check(set(v.values()) == {"warning"}, v)
    await c.ok("monitor", "set", "nonsense")
    await c.close()


async def t_unknown_verb():
    c = await connect(D)
    r = await c.call("monitor", "session", {})
    check(r[0] == 4 and env(r)["request"]["status"] == "unknown-verb"
          and env(r)["request"]["info"] == "verb session unknown within api monitor", r)
    await c.close()


async def t_trace_errors():
    c = await connect(D)
    await c.ok("monitor", "get", {})
    cases = [
        ({"add": {"request": ["begin", 12, "zzz"], "daemon": "yyy", "event": "push", "service": "x", "global": "y"}},
         "unexpected request value 12\nunknown request name zzz\nunknown daemon name yyy\n"
         "unknown service name x\nunknown event name push\nunknown global name y\n"),
        ({"add": {"name": 3}}, 'unexpected request value { "name": 3 }\n'),
        ({"drop": {"event": ["nosuch", 1], "session": "abc"}},
         "event nosuch not found\nunexpected event value 1\nsession abc not found\n"),
        ({"drop": {}}, "bad drop arguments"),
        ({"drop": {"foo": 1}}, "bad drop arguments"),
        ({"drop": 12}, "bad drop arguments"),
        ({"drop": {"tag": "*/request"}}, "tag */request not found\n"),
    ]
    for args, info in cases:
        r = await c.call("monitor", "trace", args)
        check(r[0] == 4 and env(r) == {"jtype": "afb-reply", "request": {"status": "error-detected", "info": info}},
              (args, r))
    # the valid part of a failed add is applied: "begin" traces
    other = await connect(D)
    await other.ok("hello", "ping")
    m = (await traces(c, 1))[0]
    while m["request"]["api"] == "monitor":  # the tracer's own calls begin too
        m = (await traces(c, 1))[0]
    check(m["request"]["action"] == "begin" and m["request"]["verb"] == "ping", m)
    for ok in ({"add": {}}, {"drop": True}, {"drop": False}, {}, "x"):
        r = await c.call("monitor", "trace", ok)
        check(r[0] == 3 and env(r) == {"jtype": "afb-reply", "request": {"status": "success"}}, (ok, r))
    await asyncio.sleep(0.2)
    while not c.events.empty():  # records queued before the drop
        c.events.get_nowait()
    await other.ok("hello", "ping")
    await c.no_event()
    await other.close()
    await c.close()


async def t_trace_requests():
    tracer, client = await connect(D), await connect(D)
    await tracer.ok("monitor", "trace", {"add": {"api": "hello", "request": "common"}})
    await client.ok("hello", "ping", {"a": 1})
    got = await traces(tracer, 3)
    acts = [t["request"]["action"] for t in got]
    check(acts == ["begin", "success", "end"], got)
    b, s, e = got
    for t in got:
        check(list(t)[:5] == ["time", "tag", "type", "id", "request"] and t["tag"] == "trace"
              and t["type"] == "request", t)
        check(t["request"]["api"] == "hello" and t["request"]["verb"] == "ping"
              and t["request"]["index"] == b["request"]["index"], t)
        sec, _, usec = t["time"].partition(".")
        check(sec.isdigit() and len(usec) == 6 and usec.isdigit(), t["time"])
        check(len(t["request"]["session"]) == 36, t)
    check(b["id"] < s["id"] < e["id"], got)
    check("data" not in b, b)
    check(s["data"]["result"] == {"ping": "pong"} and "duration_us" in s["data"], s)
    # the other session's requests are traced too (no session filter), not the tracer's own
    r = await client.call("hello", "pingfail")
    check(r[0] == 4, r)
    got = await traces(tracer, 3)
    check(got[1]["request"]["action"] == "fail" and got[1]["data"]["status"] == "failed", got)
    await tracer.ok("monitor", "trace", {"drop": True})
    await tracer.no_event(0.2)
    await tracer.close()
    await client.close()


async def t_trace_nested():
    tracer, client = await connect(D), await connect(D)
    spec = {"add": {"tag": "T1", "name": "n1", "api": "hello", "verb": "ping",
                    "for": [{"request": "begin"}, {"name": "n2", "request": "end", "verb": "*"}]}}
    await tracer.ok("monitor", "trace", spec)
    await client.ok("hello", "ping")
    await client.ok("hello", "pingnull")
    got = []
    for _ in range(3):
        m = await tracer.event()
        got.append((m[1], m[2]["data"]["request"]["verb"], m[2]["data"]["request"]["action"], m[2]["data"]["tag"]))
    check(sorted(got) == sorted([("monitor/n1", "ping", "begin", "T1"), ("monitor/n2", "ping", "end", "T1"),
                                 ("monitor/n2", "pingnull", "end", "T1")]), got)
    await tracer.ok("monitor", "trace", {"drop": {"event": "n2"}})
    await client.ok("hello", "ping")
    m = await tracer.event()
    check(m[1] == "monitor/n1", m)
    await tracer.no_event()
    # the same spec twice: each record comes twice, with the same id
    await tracer.ok("monitor", "trace", {"drop": True})
    await tracer.ok("monitor", "trace", {"add": {"api": "hello", "verb": "ping", "request": "begin"}})
    await tracer.ok("monitor", "trace", {"add": {"api": "hello", "verb": "ping", "request": "begin"}})
    await client.ok("hello", "ping")
    a, b = await traces(tracer, 2)
    check(a == b, (a, b))
    await tracer.close()
    await client.close()


async def t_trace_kinds():
    tracer, client = await connect(D), await connect(D)
    await tracer.ok("monitor", "trace", {"add": [
        {"tag": "EV", "name": "evtrace", "event": "all", "pattern": "hello/*"},
        {"tag": "D", "name": "dtrace", "api": "hello", "daemon": "all"},
        {"tag": "R", "name": "rtrace", "api": "hello", "request": ["subscribe", "vverbose", "subcall", "subcall_result"]},
    ]})
    await client.ok("hello", "eventadd", {"tag": "t", "name": "ev"})
    await client.ok("hello", "eventsub", {"tag": "t"})
    await client.ok("hello", "eventpush", {"tag": "t", "data": {"k": 1}})
    await client.ok("hello", "verbose", {"message": "hi"})
    await client.ok("hello", "call", {"api": "hello", "verb": "pingnull", "args": {"x": 2}})
    seen = {}
    deadline = asyncio.get_running_loop().time() + 5
    while asyncio.get_running_loop().time() < deadline:
        try:
            m = await tracer.event(1)
        except asyncio.TimeoutError:
            break
        d = m[2]["data"]
        seen.setdefault((m[1], d["type"], d[d["type"]]["action"]), d)
    keys = set(seen)
    for k in [("monitor/evtrace", "event", "create"), ("monitor/evtrace", "event", "push_before"),
              ("monitor/evtrace", "event", "push_after"), ("monitor/dtrace", "daemon", "event_make"),
              ("monitor/rtrace", "request", "subscribe"), ("monitor/rtrace", "request", "vverbose"),
              ("monitor/rtrace", "request", "subcall"), ("monitor/rtrace", "request", "subcall_result")]:
        check(k in keys, (k, sorted(keys)))
    pa = seen[("monitor/evtrace", "event", "push_after")]
    check(pa["event"]["name"] == "hello/ev" and pa["data"] == {"data": {"k": 1}, "result": 1} and pa["tag"] == "EV", pa)
    em = seen[("monitor/dtrace", "daemon", "event_make")]
    check(em["daemon"] == {"api": "hello", "action": "event_make"} and em["data"]["name"] == "ev"
          and em["data"]["event"] == "hello/ev", em)
    sb = seen[("monitor/rtrace", "request", "subscribe")]
    check(sb["data"]["event"]["name"] == "hello/ev" and sb["data"]["result"] == 0, sb)
    vv = seen[("monitor/rtrace", "request", "vverbose")]
    check(vv["data"]["level"] in (3, 4, 5, 6, 7) and "message" in vv["data"] and "position" in vv["data"], vv)
    sc = seen[("monitor/rtrace", "request", "subcall")]
    check(sc["data"] == {"api": "hello", "verb": "pingnull", "args": {"x": 2}}, sc)
    sr = seen[("monitor/rtrace", "request", "subcall_result")]
    check(sr["data"]["status"] == 0 and sr["data"]["result"]["jtype"] == "afb-reply", sr)
    # monitor events are not traced by event hooks (no recursion), even with pattern "*"
    await tracer.ok("monitor", "trace", {"drop": True})
    await tracer.ok("monitor", "trace", {"add": {"name": "all", "event": "all"}})
    await client.ok("hello", "broadcast", {"name": "b1", "data": 1})
    got = [m[2]["data"] for m in [await tracer.event() for _ in range(3)] if m[1] == "monitor/all"]
    check([g["event"]["name"] for g in got] == ["hello/b1", "hello/b1"], got)
    check(got[0]["event"]["id"] == 0, got)
    await tracer.no_event()
    await tracer.close()
    await client.close()


async def t_trace_global_and_sessions():
    tracer = await connect(D)
    await tracer.ok("monitor", "trace", {"add": {"global": "all", "sessions": "all"}})
    client = await connect(D)  # a new session
    await client.ok("hello", "verbose", {"message": "global-hi"})
    kinds, messages = set(), []
    deadline = asyncio.get_running_loop().time() + 5
    while asyncio.get_running_loop().time() < deadline and not ({"session", "global"} <= kinds and messages):
        d = (await tracer.event())[2]["data"]
        kinds.add(d["type"])
        if d["type"] == "global":
            check(d["global"] == {"action": "vverbose"} and "position" in d["data"], d)
            if "global-hi" in d["data"].get("message", ""):
                messages.append(d)
        if d["type"] == "session":
            check(d["session"]["action"] in ("create", "close", "renew") and len(d["session"]["uuid"]) == 36, d)
    check({"session", "global"} <= kinds and messages, kinds)
    await tracer.close()
    await client.close()


async def t_trace_survives_reconnect_of_session():
    """The trace belongs to the session: a new connection of the same
    session is not subscribed until it adds again (2017)."""
    c = await connect(D)
    r = await c.call("monitor", "trace", {"add": {"api": "hello", "verb": "pingnull", "request": "begin"}})
    uuid = env(r)["request"]["uuid"]
    await c.close()
    c2 = await connect(D, extra="x-afb-uuid=" + uuid)
    other = await connect(D)
    await other.ok("hello", "pingnull")
    await c2.no_event()
    await c2.ok("monitor", "trace", {"add": {"api": "hello", "verb": "pingnull", "request": "end"}})
    await other.ok("hello", "pingnull")
    got = await traces(c2, 2)
    check(sorted(t["request"]["action"] for t in got) == ["begin", "end"], got)
    await c2.ok("monitor", "trace", {"drop": True})
    for x in (c2, other):
        await x.close()


def t_http():
    """Over HTTP every query value is a string; the hooks exist, no one receives."""
    base = "http://127.0.0.1:%d/api/monitor/" % D.port
    with urllib.request.urlopen(base + "get?verbosity=&token=ws-test-token") as f:
        e = json.load(f)
    check(e["response"] == {"verbosity": {"": "warning"}}, e)
    with urllib.request.urlopen(base + "get?apis=hello") as f:
        e = json.load(f)
    check(list(e["response"]["apis"]) == ["hello"], e)


async def t_permissions():
    """The 2017 permission strings, through the checker of --permissions."""
    rules = os.path.join(D.dir, "perms")
    with open(rules, "w") as f:
        f.write("urn:AGL:permission:monitor:public:set any\n")
    d = Daemon("--permissions", rules, "--binding", binding("hello"))
    c = await connect(d)
    await c.ok("monitor", "get", {"verbosity": True})       # get: granted by "set" too
    await c.ok("monitor", "set", {"verbosity": "warning"})
    r = await c.call("monitor", "trace", {"add": {"request": "begin"}})
    check(r[0] == 4 and env(r)["request"]["status"] == "denied"
          and env(r)["request"]["info"] == "authorisation refused", r)
    await c.close()
    d.stop()


run("get-verbosity", t_get_verbosity)
run("get-apis", t_get_apis)
run("set-verbosity", t_set_verbosity)
run("unknown-verb", t_unknown_verb)
run("trace-errors", t_trace_errors)
run("trace-requests", t_trace_requests)
run("trace-nested", t_trace_nested)
run("trace-kinds", t_trace_kinds)
run("trace-global-sessions", t_trace_global_and_sessions)
run("trace-session-reconnect", t_trace_survives_reconnect_of_session)
run("http", t_http)
run("permissions", t_permissions)
D.stop()
done()
