# SPDX-License-Identifier: Apache-2.0
"""
The checklist of binding API v2 and v3 (the binding-api-v2-v3 reference,
section 11), driven through one transport, given as the argument:

  http      REST calls to the daemon serving the bindings;
  ws        x-afb-ws-json1 to it;
  proto-ws  x-afb-ws-json1 to a second daemon importing the apis with
            --ws-client (unix sockets) from the first, which exports them
            with --ws-server: the requests reach the bindings through
            afb-proto-ws;
  dbus      the same with --dbus-client / --dbus-server on a private bus.

The serving daemon loads hello (v1), hello2 (v2) and hello3 (v3) side by
side, with a permissions file and settings. What differs between the
transports is said where it is checked: events need a connection (not
plain HTTP); unix sockets and the bus give the client's credentials (TCP
does not); proto-ws links and D-Bus peers of the same user are trusted
(their requests are validated, no token needed).
"""
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import http.cookiejar

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ws"))
import wsutil  # noqa: E402
from wsutil import check, run, done, Daemon, binding  # noqa: E402

KIND = sys.argv[1] if len(sys.argv) > 1 else "http"
UID = os.getuid()
TOKEN = wsutil.TOKEN
FRONT_TOKEN = "front-token"
APIS = ["hello", "hello2", "hello3", "dyn3", "hello3-alias", "hello2-alias"]


class Reply:
    def __init__(self, envelope, code=None):
        self.envelope = envelope
        self.request = envelope.get("request", {})
        self.status = self.request.get("status")
        self.info = self.request.get("info")
        self.response = envelope.get("response")
        self.code = code

    def __repr__(self):
        return "Reply(%r)" % (self.envelope,)


class HttpClient:
    """REST calls, JSON bodies, one cookie jar (one session)."""

    def __init__(self, daemon, token):
        self.port = daemon.port
        self.token = token
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.events = None

    def _call(self, api, verb, args):
        data = json.dumps(args if args is not None else {}).encode()
        req = urllib.request.Request("http://127.0.0.1:%d/api/%s/%s" % (self.port, api, verb), data=data,
                                     headers={"Content-Type": "application/json"})
        if self.token:
            req.add_header("x-afb-token", self.token)
        try:
            with self.opener.open(req, timeout=30) as resp:
                return Reply(json.loads(resp.read()), resp.status)
        except urllib.error.HTTPError as e:
            return Reply(json.loads(e.read()), e.code)

    async def call(self, api, verb, args=None):
        return await asyncio.get_running_loop().run_in_executor(None, self._call, api, verb, args)

    async def close(self):
        pass


class WsClient:
    """x-afb-ws-json1: the connection is the session; events come on it."""

    def __init__(self, client):
        self.client = client
        self.events = True

    async def call(self, api, verb, args=None):
        r = await self.client.call(api, verb, args if args is not None else {})
        return Reply(r[2])

    async def event(self, timeout=5):
        msg = await self.client.event(timeout)
        return msg[1], msg[2].get("data")

    async def no_event(self, delay=0.3):
        await self.client.no_event(delay)

    async def close(self):
        await self.client.close()


class Env:
    """The daemons of the transport, and how to make clients."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="afb-v3-")
        self.root = os.path.join(self.dir, "root")
        os.makedirs(os.path.join(self.root, "locales", "fr"))
        with open(os.path.join(self.root, "hello.txt"), "w") as f:
            f.write("hello\n")
        with open(os.path.join(self.root, "locales", "fr", "hello.txt"), "w") as f:
            f.write("bonjour\n")
        self.perms = os.path.join(self.dir, "permissions")
        with open(self.perms, "w") as f:
            f.write("# granted to every client\nhello3:open any\n"
                    "# granted to clients of this uid, known by their credentials\n"
                    "hello3:secret uid=%d\nhello2:secret uid=%d\n"
                    "# granted with a level of assurance\nhello3:loa loa>=1\n" % (UID, UID))
        self.bus = None
        self.front = None
        args = ["--binding", binding("hello"), "--binding", binding("hello2"), "--binding", binding("hello3"),
                "--rootdir", self.root, "--permissions", self.perms, "--set", "hello3/greeting:\"hi\"",
                "--set", "*/everyone:1"]
        env = None
        if KIND == "proto-ws":
            sock = os.path.join(self.dir, "s")
            os.makedirs(sock)
            for api in APIS:
                args += ["--ws-server", "unix:%s/%s" % (sock, api)]
        elif KIND == "dbus":
            self.start_bus()
            # aliases have bus names of their own; dyn3 is exported once created
            for api in APIS:
                args += ["--dbus-server", "user:" + api]
        self.back = Daemon(*args)
        if KIND == "proto-ws":
            front = []
            for api in APIS:
                front += ["--ws-client", "unix:%s/%s" % (sock, api)]
            self.front = Daemon(*front, token=FRONT_TOKEN)
        elif KIND == "dbus":
            front = []
            for api in APIS:
                front += ["--dbus-client", "user:" + api]
            self.front = Daemon(*front, token=FRONT_TOKEN)
        self.served = self.front or self.back
        # the client's credentials reach the bindings through unix sockets and the bus only
        self.creds = KIND in ("proto-ws", "dbus")
        # requests from trusted links and bus peers are validated without token
        self.trusted = KIND in ("proto-ws", "dbus")
        # only a REST client can go without token: a WebSocket upgrade needs one
        self.tokenless = KIND == "http"
        # a D-Bus error, a proto-ws failure, carry the status and the info, not the object of a failed reply
        self.failure_objects = KIND in ("http", "ws")

    def start_bus(self):
        self.bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address"],
                                    stdout=subprocess.PIPE, text=True)
        address = self.bus.stdout.readline().strip()
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = address

    async def client(self, token=True):
        daemon = self.served
        tok = (FRONT_TOKEN if self.front else TOKEN) if token else None
        if KIND == "http":
            return HttpClient(daemon, tok)
        return WsClient(await wsutil.connect(daemon, token=tok))

    def stop(self):
        if self.front:
            self.front.stop()
        self.back.stop()
        if self.bus:
            self.bus.send_signal(signal.SIGTERM)
            self.bus.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


ENV = None


def noraw(args):
    """The arguments without the raw body that HTTP adds under the name ""."""
    return {k: v for k, v in args.items() if k != ""} if isinstance(args, dict) else args


def ok(r, what=""):
    check(r.status == "success", "%s: %r" % (what, r))
    return r.response


def failed(r, status, what=""):
    check(r.status == status, "%s: expected %s, got %r" % (what, status, r))


async def until(fn, what, timeout=5):
    """Polls the coroutine function fn until it returns true."""
    deadline = time.time() + timeout
    while True:
        value = await fn()
        if value:
            return value
        check(time.time() < deadline, "timeout: " + what)
        await asyncio.sleep(0.05)


# ------------------------------------------------------------------ checks

async def t_replies():
    """22-25: replies, objects, NULL object, legacy and unified replies, envelopes"""
    c = await ENV.client()
    r = await c.call("hello3", "ping")
    check("pong" in ok(r) and "ping number" in r.info, repr(r))
    failed(await c.call("hello3", "fail"), "failed")
    failed(await c.call("hello3", "fail", {"error": "my-error"}), "my-error")
    r = await c.call("hello3", "nothing")
    check(ok(r) is None and r.info is None, repr(r))
    check(ok(await c.call("hello3", "legacy")) == "legacy")
    failed(await c.call("hello3", "legacy", {"fail": "x"}), "legacy-failure")
    check(noraw(ok(await c.call("hello2", "echo", {"a": [1, 2]}))) == {"a": [1, 2]})
    failed(await c.call("hello2", "fail"), "failed")
    await c.close()


async def t_dispatch():
    """11-13, 16: case-insensitive names, aliases, glob verbs, called names, unknown api/verb"""
    c = await ENV.client()
    r = ok(await c.call("HELLO3", "ECHO", {"x": 1}))
    # (HTTP adds the raw JSON body under the name "")
    check(r["args"]["x"] == 1 and r["verb"] == "ECHO" and r["served-by"] == "hello3" and r["vcbdata"] == "echo", r)
    r = ok(await c.call("hello3-alias", "echo"))
    r2 = noraw(ok(await c.call("hello2-alias", "echo", {"y": 2})))
    check(r["api"] == "hello3-alias" and r["served-by"] == "hello3", r)
    check(r2 == {"y": 2}, r2)
    r = ok(await c.call("hello3", "echo-anything"))
    check(r["verb"] == "echo-anything" and r["vcbdata"] == "glob", r)
    failed(await c.call("hello3", "no-such-verb"), "unknown-verb")
    failed(await c.call("hello2", "no-such-verb"), "unknown-verb")
    await c.close()


async def t_faults():
    """18, 19, 21: a verb that faults, one that does not reply, one that replies twice"""
    c = await ENV.client()
    r = await c.call("hello3", "bug")
    failed(r, "aborted")
    check("SIGSEGV" in (r.info or ""), repr(r))
    failed(await c.call("hello2", "bug"), "aborted")
    r = await c.call("hello3", "mute")
    failed(r, "error")
    check(r.info == "no reply", repr(r))
    r = await c.call("hello3", "twice", {"count": 3})
    check(ok(r) == 0 and r.info == "reply 0", repr(r))
    # the daemon goes on
    ok(await c.call("hello3", "ping"))
    await c.close()


async def t_async_replies():
    """20: replies kept with addref, from a job, from a thread of the binding, from the event loop"""
    c = await ENV.client()
    check(ok(await c.call("hello3", "ref")) == "ref")
    r = await c.call("hello3", "queue")
    check(ok(r) == 0 and r.info == "from a queued job", repr(r))
    r = await c.call("hello3", "later", {"ms": 30})
    ok(r)
    check(r.info == "replied 30 ms later", repr(r))
    r = await c.call("hello3", "loop")
    check(ok(r) == "loop", repr(r))
    # v2: a request stored, replied by another request
    waiter = asyncio.ensure_future(c.call("hello2", "wait"))
    await until(lambda: ENV_wake(), "the waiter is woken")
    check(ok(await waiter) == "woken")
    await c.close()


async def ENV_wake():
    c = await ENV.client()
    n = ok(await c.call("hello2", "wake"))
    await c.close()
    return n


async def t_arguments():
    """22, 23: json and get/value/path"""
    c = await ENV.client()
    r = ok(await c.call("hello3", "get", {"name": "x", "x": "value of x"}))
    check(r == {"name": "x", "value": "value of x", "path": None}, r)
    r = ok(await c.call("hello3", "get", {"name": "n", "n": {"a": 1}}))
    check(r["value"] in ('{ "a": 1 }', '{"a":1}'), r)
    r = ok(await c.call("hello3", "get", {"name": "absent"}))
    check(r == {"name": None, "value": None, "path": None}, r)
    await c.close()


async def t_contexts():
    """26, 27: contexts per session and api, replace or not, freed when replaced or cleared"""
    c = await ENV.client()
    d = await ENV.client()
    check(ok(await c.call("hello3", "ctx-get")) is None)
    freed = ok(await c.call("hello3", "ctx-freed"))
    check(ok(await c.call("hello3", "ctx-setif", {"value": "one"})) == "one")
    check(ok(await c.call("hello3", "ctx-setif", {"value": "two"})) == "one")
    check(ok(await c.call("hello3", "ctx-set", {"value": "three"})) == "three")
    check(ok(await c.call("hello3", "ctx-freed")) == freed + 1)
    check(ok(await c.call("hello3", "ctx-get")) == "three")
    # another session does not see it; another api neither
    check(ok(await d.call("hello3", "ctx-get")) is None)
    check(ok(await c.call("hello2", "getctx")) is None)
    check(ok(await c.call("hello2", "count")) == 1)
    check(ok(await c.call("hello2", "count")) == 2)
    check(ok(await d.call("hello2", "count")) == 1)
    ok(await c.call("hello3", "ctx-clear"))
    check(ok(await c.call("hello3", "ctx-get")) is None)
    check(ok(await c.call("hello3", "ctx-freed")) == freed + 2)
    await c.close()
    await d.close()


async def t_session_flags():
    """14, 15, 28, 29: token, LOA per api, CLOSE, set_LOA return conventions"""
    c = await ENV.client(token=True)
    if ENV.tokenless:
        n = await ENV.client(token=False)
        failed(await n.call("hello3", "check"), "denied")
        failed(await n.call("hello3", "loa-1"), "denied")
        r = await n.call("hello3", "set-loa", {"level": 1})
        failed(r, "denied")
        check(r.info == "invalid token's identity", repr(r))
        await n.close()
    ok(await c.call("hello3", "check"))
    r = await c.call("hello3", "loa-1")
    failed(r, "denied")
    check(r.info == "invalid LOA", repr(r))
    check(ok(await c.call("hello3", "set-loa", {"level": 2})) == 0)
    ok(await c.call("hello3", "loa-1"))
    ok(await c.call("hello3", "loa-2"))
    failed(await c.call("hello3", "loa-3"), "denied")
    # the LOA is per api: hello2's is still 0; hello2 sees 1/0 (v2 convention)
    failed(await c.call("hello2", "loa1"), "denied")
    check(ok(await c.call("hello2", "setloa", {"level": "1"})) == 1)
    ok(await c.call("hello2", "loa1"))
    r = await c.call("hello3", "set-loa", {"level": 8})
    failed(r, "refused")
    check(r.response == -1 or not ENV.failure_objects, repr(r))
    # CLOSE: the api's LOA and context end with the request
    ok(await c.call("hello3", "ctx-set", {"value": "kept"}))
    ok(await c.call("hello3", "close"))
    failed(await c.call("hello3", "loa-1"), "denied")
    check(ok(await c.call("hello3", "ctx-get")) is None)
    ok(await c.call("hello2", "loa1"))	# other apis untouched
    await c.close()


async def t_auth_trees():
    """5, 30: auth trees (every node type) and permissions, on the client's credentials"""
    c = await ENV.client(token=True)
    # (LOA >= 1 and not No) or (Token and Yes): the token branch
    ok(await c.call("hello3", "tree"))
    if ENV.tokenless:
        n = await ENV.client(token=False)
        r = await n.call("hello3", "tree")
        failed(r, "denied")
        check(r.info == "authorisation refused", repr(r))
        await n.close()
    r = await c.call("hello3", "hasperm", {"perm": "hello3:open"})
    check(ok(r) is True, repr(r))
    r = await c.call("hello3", "hasperm", {"perm": "hello3:nobody"})
    failed(r, "not-granted")
    r = await c.call("hello3", "hasperm", {"perm": "hello3:loa"})
    failed(r, "not-granted")
    check(ok(await c.call("hello3", "set-loa", {"level": 1})) == 0)
    check(ok(await c.call("hello3", "hasperm", {"perm": "hello3:loa"})) is True)
    r = await c.call("hello3", "secret")
    if ENV.creds:
        ok(r, "secret, uid %d known" % UID)
        check(ok(await c.call("hello2", "secret")) == {}, "hello2 secret")
    else:
        failed(r, "denied")
        check(r.info == "authorisation refused", repr(r))
        failed(await c.call("hello2", "secret"), "denied")
    # v1's has_permission goes through the same checker
    r = await c.call("hello", "hasperm", {"perm": "hello3:nobody"})
    check(ok(r)["granted"] is False, repr(r))
    r = await c.call("hello", "hasperm", {"perm": "hello3:open"})
    check(ok(r)["granted"] is True, repr(r))
    await c.close()
    log = ENV.back.read_log()
    check("permissions: 4 rule(s)" in log, "the rules were loaded")


async def t_client_info():
    """31: client info, uid, application id, from the transport"""
    c = await ENV.client()
    # sessions are made when needed: the info tells a session's uuid and LOA once there is one
    ok(await c.call("hello3", "ctx-set", {"value": "made"}))
    info = ok(await c.call("hello3", "info"))
    uid = ok(await c.call("hello3", "uid"))
    check("uuid" in info and info["LOA"] == 0, info)
    if ENV.creds:
        check(info["uid"] == UID and info["gid"] >= 0 and info["user"] == str(UID), info)
        check(uid == UID, uid)
        check(info["pid"] > 0, info)
    else:
        check("uid" not in info and uid == -1, (info, uid))
        check(ok(await c.call("hello3", "appid")) is None)
    # one session for the client across the apis (imports keep one per imported api)
    check(KIND in ("dbus", "proto-ws") or ok(await c.call("hello2", "info"))["uuid"] == info["uuid"])
    await c.close()


async def t_events_to_clients():
    """32, 43-45, 48, 49: events made, subscribed, pushed to subscribers only, broadcast to all, dropped"""
    c = await ENV.client()
    other = await ENV.client()
    check(ok(await c.call("hello3", "event-make", {"name": "news"})) == "news")
    r = await c.call("hello3", "event-sub", {"name": "news"})
    if not c.events:
        # plain HTTP has no listener: subscribing fails
        failed(r, "failed")
        check(ok(await c.call("hello3", "event-push", {"name": "news", "data": 1})) == 0)
    else:
        check(ok(r) == 0)
        check(ok(await c.call("hello3", "event-push", {"name": "news", "data": {"n": 1}})) >= 0)
        name, data = await c.event()
        check(name == "hello3/news" and data == {"n": 1}, (name, data))
        await other.no_event()
        ok(await c.call("hello3", "event-broadcast", {"name": "news", "data": 2}))
        check(await c.event() == ("hello3/news", 2))
        check(await other.event() == ("hello3/news", 2))
        ok(await c.call("hello3", "event-unsub", {"name": "news"}))
        ok(await c.call("hello3", "event-push", {"name": "news", "data": 3}))
        await c.no_event()
        # v2 events
        ok(await c.call("hello2", "subscribe"))
        ok(await c.call("hello2", "push", {"data": "v2"}))
        check(await c.event() == ("hello2/tick", "v2"))
        await other.no_event()
        # dropping an event with a subscriber
        ok(await c.call("hello3", "event-sub", {"name": "news"}))
    ok(await c.call("hello3", "event-drop", {"name": "news"}))
    failed(await c.call("hello3", "event-push", {"name": "news"}), "invalid")
    ok(await c.call("hello3", "ping"))
    await c.close()
    await other.close()


async def events_of(api, client, names, timeout=5):
    """The events 'api' recorded until every name of 'names' is in."""
    seen = []

    async def have_all():
        seen.extend(ok(await client.call(api, "events")))
        return all(any(e["event"] == n for e in seen) for n in names)

    await until(have_all, "%s receives %s" % (api, names), timeout)
    return seen


async def t_events_to_bindings():
    """46, 47: bindings' onevent and handlers by pattern; their own broadcasts come back"""
    c = await ENV.client()
    await c.call("hello3", "events")
    await c.call("hello2", "events")
    ok(await c.call("hello3", "broadcast", {"name": "tick1", "data": 1}))
    ok(await c.call("hello3", "broadcast", {"name": "other", "data": 2}))
    ok(await c.call("hello2", "broadcast", {"name": "tock", "data": 3}))
    seen = await events_of("hello3", c, ["hello3/tick1", "hello3/other", "hello2/tock"])
    by = {e["event"]: e["by"] for e in seen}
    check(by["hello3/tick1"] == "ticks" and by["hello3/other"] == "onevent", seen)
    seen = await events_of("hello2", c, ["hello3/tick1", "hello3/other", "hello2/tock"])
    check([e for e in seen if e["event"] == "hello2/tock"][0]["data"] == 3, seen)
    await c.close()


async def t_calls():
    """34-36, 39, 41, 42: calls and subcalls, legacy envelopes, raw replies, unknown api"""
    c = await ENV.client()
    r = await c.call("hello3", "callsync", {"api": "hello2", "verb": "echo", "args": {"k": 1}})
    check(ok(r) == {"k": 1}, repr(r))
    r = await c.call("hello3", "call", {"api": "hello", "verb": "ping"})
    check(ok(r) == {"ping": "pong"}, repr(r))
    r = await c.call("hello3", "subcall", {"api": "hello3", "verb": "fail", "args": {"error": "e1"}})
    failed(r, "e1")
    check(r.info == "this verb always fails", repr(r))
    r = await c.call("hello3", "subcallsync", {"api": "hello2", "verb": "fail"})
    failed(r, "failed")
    env = ok(await c.call("hello3", "call-legacy", {"api": "hello3", "verb": "nothing"}))
    check(env["jtype"] == "afb-reply" and env["request"]["status"] == "success", env)
    r = await c.call("hello3", "callsync-legacy", {"api": "hello3", "verb": "fail"})
    failed(r, "failed")
    check(not ENV.failure_objects or r.response["request"]["status"] == "failed", repr(r))
    env = ok(await c.call("hello3", "subcall-legacy", {"api": "hello2", "verb": "echo", "args": {"z": 0}}))
    check(env["response"] == {"z": 0}, env)
    env = ok(await c.call("hello3", "subcallsync-legacy", {"api": "hello", "verb": "ping"}))
    check(env["response"] == {"ping": "pong"}, env)
    failed(await c.call("hello3", "callsync", {"api": "no-such-api", "verb": "x"}), "unknown-api")
    failed(await c.call("hello3", "subcall", {"api": "hello3", "verb": "no-such-verb"}), "unknown-verb")
    r = await c.call("hello2", "callsync", {"api": "no-such-api", "verb": "x"})
    failed(r, "failed")
    check("unknown-api" in r.info, repr(r))
    # a sync call from a non-pool thread (the reply of "later" comes from one): the callee runs meanwhile
    r = await c.call("hello3", "subcallsync", {"api": "hello3", "verb": "later", "args": {"ms": 20}})
    ok(r)
    await c.close()


async def t_subcall_sessions():
    """38, 39: subcalls share the caller's session; api calls use the apis' session"""
    c = await ENV.client()
    ok(await c.call("hello3", "ctx-set", {"value": "mine"}))
    # a subcall in my session sees my context; a call of the api does not
    r = await c.call("hello3", "subcallsync", {"api": "hello3", "verb": "ctx-get"})
    check(ok(r) == "mine", repr(r))
    r = await c.call("hello3", "callsync", {"api": "hello3", "verb": "ctx-get"})
    check(ok(r) != "mine", repr(r))
    # flag 8 (api session): not mine either
    r = await c.call("hello3", "subcallsync", {"api": "hello3", "verb": "ctx-get", "flags": 8})
    check(ok(r) != "mine", repr(r))
    # api calls are validated (token checks pass), with no credentials of a client
    ok(await c.call("hello3", "callsync", {"api": "hello3", "verb": "check"}))
    r = ok(await c.call("hello3", "callsync", {"api": "hello3", "verb": "uid"}))
    check(r == -1, r)
    # on behalf (4) with the api session (8): the client's credentials come back
    r = ok(await c.call("hello3", "subcallsync", {"api": "hello3", "verb": "uid", "flags": 12}))
    check(r == (UID if ENV.creds else -1), r)
    await c.close()


async def t_subcall_events():
    """40: events subscribed by a callee: to the calling api (catch) or to the client (pass)"""
    c = await ENV.client()
    ok(await c.call("hello3", "event-make", {"name": "sub"}))
    await c.call("hello3", "events")
    # catch_events (1): the subscription is hello3's own
    ok(await c.call("hello3", "subcallsync", {"api": "hello3", "verb": "event-sub", "args": {"name": "sub"},
                                              "flags": 1}))
    ok(await c.call("hello3", "event-push", {"name": "sub", "data": "caught"}))
    seen = await events_of("hello3", c, ["hello3/sub"])
    check(any(e["data"] == "caught" for e in seen), seen)
    if c.events:
        await c.no_event()
        # pass_events (2): the subscription is the client's
        ok(await c.call("hello3", "subcallsync", {"api": "hello3", "verb": "event-sub",
                                                  "args": {"name": "sub"}, "flags": 2}))
        ok(await c.call("hello3", "event-push", {"name": "sub", "data": "passed"}))
        check(await c.event() == ("hello3/sub", "passed"))
    # without either: the callee can't subscribe
    r = await c.call("hello3", "subcallsync", {"api": "hello3", "verb": "event-sub", "args": {"name": "sub"}})
    failed(r, "failed")
    ok(await c.call("hello3", "event-drop", {"name": "sub"}))
    await c.close()


async def t_dynamic_apis():
    """3, 55: apis made while serving reach every transport; verbs added, removed; sealed; deleted"""
    c = await ENV.client()
    r = await c.call("hello3", "api", {"action": "create", "api": "dyn3"})
    ok(r)
    call = lambda v, a=None: c.call("dyn3", v, a)
    if KIND == "dbus":
        # its bus name appears a moment after its creation (docs/dbus.md): wait for it
        async def reachable():
            return (await call("hi")).status == "success"
        await until(reachable, "dyn3 on the bus")
    check(ok(await call("hi")) == {"api": "dyn3", "verb": "hi", "data": "hi"})
    failed(await call("later"), "unknown-verb")
    ok(await c.call("hello3", "api", {"action": "addverb", "api": "dyn3", "verb": "added"}))
    check(ok(await call("added"))["data"] == "added")
    ok(await c.call("hello3", "api", {"action": "addverb", "api": "dyn3", "verb": "g*", "glob": 1}))
    check(ok(await call("gadget"))["verb"] == "gadget")
    failed(await c.call("hello3", "api", {"action": "addverb", "api": "dyn3", "verb": "added"}), "failed")
    r = ok(await c.call("hello3", "api", {"action": "delverb", "api": "dyn3", "verb": "added"}))
    check(r == "added", r)
    failed(await call("added"), "unknown-verb")
    ok(await c.call("hello3", "api", {"action": "alias", "api": "dyn3", "alias": "dyn3-alias"}))
    check(ok(await c.call("hello3", "callsync", {"api": "dyn3-alias", "verb": "hi"}))["api"] == "dyn3-alias")
    # a sealed api keeps its verbs; the static ones are sealed from the start
    ok(await c.call("hello3", "api", {"action": "seal", "api": "dyn3"}))
    failed(await c.call("hello3", "api", {"action": "addverb", "api": "dyn3", "verb": "x"}), "failed")
    failed(await c.call("hello3", "api", {"action": "delete", "api": "dyn3"}), "failed")
    failed(await c.call("hello3", "api", {"action": "addverb", "verb": "x"}), "failed")
    # a second one, deleted while open
    ok(await c.call("hello3", "api", {"action": "create", "api": "dyn4"}))
    ok(await c.call("hello3", "callsync", {"api": "dyn4", "verb": "hi"}))
    ok(await c.call("hello3", "api", {"action": "delete", "api": "dyn4"}))
    failed(await c.call("hello3", "callsync", {"api": "dyn4", "verb": "hi"}), "unknown-api")
    failed(await c.call("hello3", "api", {"action": "create", "api": "hello2"}), "failed")
    failed(await c.call("hello3", "api", {"action": "create", "api": "bad name"}), "failed")
    # one request at a time: a synchronous call to itself would wait for itself
    ok(await c.call("hello3", "api", {"action": "create", "api": "serial3", "serial": 1}))
    r = await c.call("hello3", "callsync", {"api": "serial3", "verb": "self"})
    failed(r, "self-locked")
    await c.close()


async def t_handlers_changes():
    """47: handlers added and removed while serving"""
    c = await ENV.client()
    await c.call("hello3", "events")
    ok(await c.call("hello3", "api", {"action": "addhandler", "pattern": "hello2/*"}))
    failed(await c.call("hello3", "api", {"action": "addhandler", "pattern": "hello2/*"}), "failed")
    ok(await c.call("hello2", "broadcast", {"name": "handled", "data": 1}))
    seen = await events_of("hello3", c, ["hello2/handled"])
    check([e for e in seen if e["event"] == "hello2/handled"][0]["by"] == "handler", seen)
    check(ok(await c.call("hello3", "api", {"action": "delhandler", "pattern": "hello2/*"})) == "handler")
    ok(await c.call("hello2", "broadcast", {"name": "handled", "data": 2}))
    seen = await events_of("hello3", c, ["hello2/handled"])
    check([e for e in seen if e["event"] == "hello2/handled"][0]["by"] == "onevent", seen)
    await c.close()


async def t_daemon_services():
    """50-52, 56, 57: event loop, buses, root directory and locales, settings, log masks"""
    c = await ENV.client()
    check(ok(await c.call("hello3", "rootdir")) == os.path.realpath(ENV.root))
    r = ok(await c.call("hello3", "rootdir", {"file": "hello.txt", "locale": "fr-FR,en"}))
    check(r == os.path.join(os.path.realpath(ENV.root), "locales", "fr", "hello.txt"), r)
    r = ok(await c.call("hello3", "rootdir", {"file": "hello.txt", "locale": "de"}))
    check(r == os.path.join(os.path.realpath(ENV.root), "hello.txt"), r)
    failed(await c.call("hello3", "rootdir", {"file": "../etc/passwd"}), "failed")
    s = ok(await c.call("hello3", "settings"))
    check(s.get("greeting") == "hi" and s.get("everyone") == 1, s)
    check(s.get("binding-path", "").endswith("hello3.so"), s)
    ok(await c.call("hello3", "buses"))
    mask = ok(await c.call("hello3", "verbose", {"level": 5, "message": "checklist-%s" % KIND}))
    check(mask & (1 << 5), mask)
    await until(lambda: asyncio.sleep(0, "checklist-%s" % KIND in ENV.back.read_log()), "the message is logged")
    v = ok(await c.call("hello2", "verbose", {"message": "v2-%s" % KIND}))
    check(v >= 1, v)
    await c.close()


async def t_v1_v2_v3():
    """v1, v2 and v3 bindings side by side, calling each other over this transport"""
    c = await ENV.client()
    check(ok(await c.call("hello3", "callsync", {"api": "hello2", "verb": "callsync",
                                                 "args": {"api": "hello", "verb": "ping"}}))
          ["response"] == {"ping": "pong"})
    r = await c.call("hello", "callsync", {"api": "hello3", "verb": "ping"})
    check(r.status == "success", repr(r))
    env = ok(await c.call("hello2", "subcall", {"api": "hello3", "verb": "echo", "args": {"q": 1}}))
    check(env["response"]["args"] == {"q": 1}, env)
    await c.close()


def main():
    global ENV
    ENV = Env()
    try:
        for name, fn in [
            ("replies", t_replies), ("dispatch", t_dispatch), ("faults", t_faults),
            ("async-replies", t_async_replies), ("arguments", t_arguments), ("contexts", t_contexts),
            ("session-flags", t_session_flags), ("auth-trees", t_auth_trees), ("client-info", t_client_info),
            ("events-to-clients", t_events_to_clients), ("events-to-bindings", t_events_to_bindings),
            ("calls", t_calls), ("subcall-sessions", t_subcall_sessions), ("subcall-events", t_subcall_events),
            ("dynamic-apis", t_dynamic_apis), ("handlers-changes", t_handlers_changes),
            ("daemon-services", t_daemon_services), ("v1-v2-v3", t_v1_v2_v3),
        ]:
            run("%s-%s" % (KIND, name), fn)
        run("%s-stop" % KIND, ENV.stop)
    finally:
        done()


main()
