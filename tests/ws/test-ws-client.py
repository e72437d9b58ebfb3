#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""afb-client, against afb-daemon and against python3-websockets' server."""
import asyncio
import json
import os
import signal
import socket
import subprocess
import time

from wsutil import Daemon, binding, check, connect, done, run, websockets, TOKEN, PROTOCOL

CLIENT = os.environ["AFB_CLIENT"]
D = Daemon("--binding", binding("hello"), "--binding", binding("auth"))
URL = D.uri()


def client(*args, stdin=None, timeout=20):
    p = subprocess.run([CLIENT] + list(args), input=stdin, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def t_oneshot():
    rc, out, err = client(URL, "hello", "ping")
    check(rc == 0, (rc, out, err))
    env = json.loads(out)
    check(env["response"] == {"ping": "pong"} and env["request"]["status"] == "success", env)
    rc, out, err = client(URL, "hello", "pingfail")
    check(rc == 1 and json.loads(out)["request"]["status"] == "failed", (rc, out, err))
    rc, out, err = client("--json", URL, "hello", "echo", '{"a":[1,2]}')
    check(rc == 0 and len(out.splitlines()) == 1, (rc, out))
    m = json.loads(out)
    check(m[0] == 3 and m[2]["response"] == {"a": [1, 2]}, m)
    # text that is not JSON is sent as a JSON string
    rc, out, err = client("--json", URL, "hello", "echo", "plain text")
    check(rc == 0 and json.loads(out)[2]["response"] == "plain text", out)


def t_errors():
    rc, out, err = client(D.uri("wrong"), "hello", "ping")
    check(rc == 3 and "401" in err, (rc, err))
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    rc, out, err = client("ws://127.0.0.1:%d/api" % port, "hello", "ping")
    check(rc == 3, (rc, err))
    rc, out, err = client("http://127.0.0.1/api", "hello", "ping")
    check(rc == 2, (rc, err))
    rc, out, err = client(URL, "hello")
    check(rc == 2, (rc, err))
    rc, out, err = client("--help")
    check(rc == 0 and "usage" in out, out)


def t_pipelined():
    # calls sent at once run concurrently: only what does not depend on
    # their order is checked here (t_sync checks the ordered sequence)
    lines = "\n".join([
        "hello timer {\"ms\":300}",
        "hello ping",
        "hello broadcast {\"name\":\"cli\",\"data\":{\"k\":1}}",
        "# a comment",
        "",
        "nosuch api",
    ]) + "\n"
    start = time.time()
    rc, out, err = client("--json", URL, stdin=lines)
    check(rc == 0, (rc, out, err))
    msgs = [json.loads(l) for l in out.splitlines()]
    replies = {m[1]: m for m in msgs if m[0] in (3, 4)}
    check(sorted(replies) == ["0", "1", "2", "3"], msgs)
    check(replies["3"][0] == 4 and replies["3"][2]["request"]["status"] == "unknown-api", replies["3"])
    events = [m for m in msgs if m[0] == 5]
    check(len(events) == 1 and events[0][1] == "hello/cli" and events[0][2]["data"] == {"k": 1}, events)
    # pipelined: the ping is answered while the timer runs
    order = [m[1] for m in msgs if m[0] in (3, 4)]
    check(order.index("1") < order.index("0"), order)
    check(time.time() - start < 5)


def t_sync():
    # --sync: each line goes once the call before it was replied, so the
    # subscription is made before the push and the timer blocks the ping
    lines = "\n".join([
        "hello timer {\"ms\":300}",
        "hello ping",
        "hello eventadd {\"tag\":\"c\",\"name\":\"cli\"}",
        "hello eventsub {\"tag\":\"c\"}",
        "# a comment",
        "",
        "hello eventpush {\"tag\":\"c\",\"data\":{\"k\":1}}",
        "hello eventdel {\"tag\":\"c\"}",
        "hello eventpush {\"tag\":\"c\",\"data\":{\"k\":2}}",
        "hello ping last-line-without-newline",
    ])
    start = time.time()
    rc, out, err = client("--sync", "--json", URL, stdin=lines)
    check(rc == 0, (rc, out, err))
    check(time.time() - start >= 0.3)
    msgs = [json.loads(l) for l in out.splitlines()]
    order = [m[1] for m in msgs if m[0] in (3, 4)]
    check(order == [str(i) for i in range(8)], msgs)
    codes = [m[0] for m in msgs if m[0] in (3, 4)]
    check(codes == [3, 3, 3, 3, 3, 3, 4, 3], msgs)
    events = [i for i, m in enumerate(msgs) if m[0] == 5]
    check(len(events) == 1 and msgs[events[0]][1] == "hello/cli" and msgs[events[0]][2]["data"] == {"k": 1}, msgs)
    # the event comes before the reply of its push
    check(events[0] < [i for i, m in enumerate(msgs) if m[0] == 3 and m[1] == "4"][0], msgs)
    # lines longer than one read of stdin, and split across reads
    pad = "p" * 100
    lines = "".join("hello echo {\"i\":%d,\"pad\":\"%s\"}\n" % (i, pad) for i in range(150))
    rc, out, err = client("--sync", "--json", URL, stdin=lines)
    check(rc == 0, (rc, err))
    msgs = [json.loads(l) for l in out.splitlines()]
    check([(m[0], m[1], m[2]["response"]["i"]) for m in msgs] == [(3, str(i), i) for i in range(150)], msgs[:5])


def t_human_output():
    rc, out, err = client(URL, stdin="hello ping\nhello broadcast {\"name\":\"h\"}\n")
    check(rc == 0, (rc, err))
    check("ON-REPLY 0: hello/ping" in out and "ON-EVENT hello/h:" in out and '"pong"' in out, out)


def t_keep():
    p = subprocess.Popen([CLIENT, "--json", "--keep", URL], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    p.stdin.write("hello ping\n")
    p.stdin.close()
    check(json.loads(p.stdout.readline())[0] == 3)

    async def shout():
        c = await connect(D)
        await c.ok("hello", "broadcast", {"name": "kept", "data": 5})
        await c.close()
    asyncio.run(shout())
    m = json.loads(p.stdout.readline())
    check(m[0] == 5 and m[1] == "hello/kept", m)
    p.send_signal(signal.SIGTERM)
    p.wait(10)
    p.stdout.close()


def renewal(url):
    """auth login, then (once replied) auth check."""
    p = subprocess.Popen([CLIENT, "--json", url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    p.stdin.write("auth login\n")
    p.stdin.flush()
    first = json.loads(p.stdout.readline())
    p.stdin.write("auth check\n")
    p.stdin.close()
    rest = p.stdout.read()
    p.stdout.close()
    return p.wait(10), first, rest


def t_against_other_server():
    """python3-websockets' server refuses unmasked client frames: afb-client masks."""
    seen = {"keys": [], "calls": []}

    async def handler(ws, path):
        seen["keys"].append(ws.request_headers["Sec-WebSocket-Key"])
        try:
            await serve_calls(ws)
        except websockets.exceptions.ConnectionClosed:
            pass

    async def serve_calls(ws):
        async for text in ws:
            call = json.loads(text)
            seen["calls"].append(call)
            if call[2] == "auth/login":
                await ws.send(json.dumps([3, call[1], {"jtype": "afb-reply", "request": {"status": "success", "token": "NEW"}}, "NEW"]))
            elif call[2] == "bad/close":
                await ws.close(1011, "server broke")
            else:
                await ws.send(json.dumps([3, call[1], {"jtype": "afb-reply", "request": {"status": "success"}}]))

    async def main():
        server = await websockets.serve(handler, "127.0.0.1", 0, subprotocols=[PROTOCOL], compression=None)
        port = server.sockets[0].getsockname()[1]
        url = "ws://127.0.0.1:%d/api?token=x" % port
        loop = asyncio.get_running_loop()
        r1 = await loop.run_in_executor(None, lambda: renewal(url))
        r2 = await loop.run_in_executor(None, lambda: client(url, "hello", "ping"))
        r3 = await loop.run_in_executor(None, lambda: client(url, "bad", "close"))
        server.close()
        await server.wait_closed()
        return r1, r2, r3

    r1, r2, r3 = asyncio.run(main())
    check(r1[0] == 0 and r2[0] == 0, (r1, r2))
    check(r3[0] == 3 and "1011" in r3[2], r3)
    check(len(set(seen["keys"])) == 3, seen["keys"])
    # the renewed token (4th element) is presented by the next call
    check(seen["calls"][0][2] == "auth/login" and len(seen["calls"][0]) == 4, seen["calls"])
    check(seen["calls"][1][2] == "auth/check" and seen["calls"][1][4] == "NEW", seen["calls"])


def t_stop():
    D.stop()


run("oneshot", t_oneshot)
run("errors", t_errors)
run("pipelined", t_pipelined)
run("sync", t_sync)
run("human-output", t_human_output)
run("keep", t_keep)
run("against-other-server", t_against_other_server)
run("stop", t_stop)
done()
