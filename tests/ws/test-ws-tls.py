#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""HTTPS and wss: --https with a self-signed certificate made by openssl
here, REST and x-afb-ws-json1 over TLS, plain HTTP off, afb-client wss://
and the messages of the client for the usual mistakes."""
import asyncio
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

from wsutil import Daemon, binding, check, connect, done, run, websockets, TOKEN

CLIENT = os.environ["AFB_CLIENT"]
OPENSSL = shutil.which("openssl")
if not OPENSSL:
    print("openssl is not installed (apt install openssl)")
    sys.exit(77)

DIR = tempfile.mkdtemp(prefix="afb-tls-")
CERT = os.path.join(DIR, "cert.pem")
KEY = os.path.join(DIR, "key.pem")
subprocess.run([OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", KEY, "-out", CERT,
                "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
               check=True, capture_output=True)

D = Daemon("--https", "--https-cert", CERT, "--https-key", KEY, "--binding", binding("hello"))
CTX = ssl.create_default_context(cafile=CERT)


def client(*args, stdin=None, timeout=20):
    p = subprocess.run([CLIENT] + list(args), input=stdin, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def t_https_rest():
    r = urllib.request.urlopen("https://localhost:%d/api/hello/ping" % D.port, context=CTX, timeout=10)
    env = json.loads(r.read())
    check(env["response"] == {"ping": "pong"}, env)
    # a verb that keeps session state gets a session, told by a secure cookie
    r = urllib.request.urlopen("https://localhost:%d/api/hello/contextset?value=1" % D.port, context=CTX, timeout=10)
    cookie = r.headers["Set-Cookie"]
    check(cookie and "; Secure" in cookie and "HttpOnly" in cookie, cookie)
    # a POST body through TLS
    req = urllib.request.Request("https://localhost:%d/api/hello/echo" % D.port, data=json.dumps({"x": "y" * 100000}).encode(),
                                 headers={"Content-Type": "application/json"})
    env = json.loads(urllib.request.urlopen(req, context=CTX, timeout=10).read())
    check(env["response"]["x"] == "y" * 100000, "big echo")


def t_plain_http_off():
    """with --https, the port speaks TLS only"""
    c = http.client.HTTPConnection("127.0.0.1", D.port, timeout=5)
    try:
        c.request("GET", "/api/hello/ping")
        resp = c.getresponse()
        check(False, "plain HTTP answered %d" % resp.status)
    except (http.client.HTTPException, ConnectionError, socket.timeout, OSError):
        pass
    finally:
        c.close()
    check(D.alive(), "the daemon died")


async def t_wss_calls():
    c = await connect(D, ssl=CTX)
    check((await c.ok("hello", "ping")) == {"ping": "pong"})
    big = "z" * 500000
    check((await c.ok("hello", "echo", {"big": big})) == {"big": big}, "big echo")
    # pipelined calls come back, each once
    futs = []
    for i in range(50):
        msg, fut = c.send_call("hello", "echo", {"i": i})
        await c.ws.send(json.dumps(msg))
        futs.append(fut)
    replies = await asyncio.gather(*futs)
    check([r[2]["response"]["i"] for r in replies] == list(range(50)), "pipelined replies")
    # events through TLS
    await c.ok("hello", "eventadd", {"tag": "t", "name": "ev"})
    await c.ok("hello", "eventsub", {"tag": "t"})
    await c.ok("hello", "eventpush", {"tag": "t", "data": {"n": 1}})
    ev = await c.event()
    check(ev[1] == "hello/ev" and ev[2]["data"] == {"n": 1}, ev)
    await c.close()


async def t_wss_too_big():
    """a failure closes with its code through TLS too (1009)"""
    c = await connect(D, ssl=CTX)
    await c.ws.send(json.dumps([2, "1", "hello/echo", {"x": "a" * 2000000}]))
    code = await asyncio.wait_for(c.closed, 15)
    check(code == 1009, "close code %r" % code)
    # the peer is the TLS client, not MHD's socket pair (which would lend the daemon's own credentials)
    log = D.read_log()
    check(re.search(r"ws: 127\.0\.0\.1:\d+: closing with code 1009", log) and "ws: unix" not in log, log)


async def t_wss_many_connections():
    """connections over TLS leave nothing behind once closed, and are closed at once"""
    before = D.fd_count()
    slowest = 0
    for _ in range(3):
        cs = [await connect(D, ssl=CTX) for _ in range(20)]
        for c in cs:
            await c.ok("hello", "ping")
        for c in cs:
            start = time.monotonic()
            await c.close()
            slowest = max(slowest, time.monotonic() - start)
    # the client waits 10 s for the daemon to close the TCP connection after the close
    # handshake: MHD 0.9.75 needs one more MHD_run after the end of the TLS relay (hsrv.c)
    check(slowest < 5, "the slowest close took %.1f s" % slowest)
    deadline = asyncio.get_running_loop().time() + 10
    while D.fd_count() > before + 2 and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.1)
    check(D.fd_count() <= before + 2, "fds: %d before, %d after" % (before, D.fd_count()))


def t_afb_client_wss():
    url = D.uri()
    rc, out, err = client("--cacert", CERT, url, "hello", "ping")
    check(rc == 0 and json.loads(out)["response"] == {"ping": "pong"}, (rc, out, err))
    rc, out, err = client("--json", "--cacert", CERT, url, stdin="hello ping\nhello echo {\"a\":1}\n")
    # replies in any order: the two calls run concurrently
    lines = {m[1]: m for m in (json.loads(line) for line in out.splitlines())}
    check(rc == 0 and sorted(lines) == ["0", "1"] and lines["1"][2]["response"] == {"a": 1}, (rc, out, err))
    # by IP address: the certificate names 127.0.0.1 too
    rc, out, err = client("--cacert", CERT, "wss://127.0.0.1:%d/api?token=%s" % (D.port, TOKEN), "hello", "ping")
    check(rc == 0, (rc, out, err))
    # the system's CAs do not know this certificate
    rc, out, err = client(url, "hello", "ping")
    check(rc == 3 and "certificate" in err and "--cacert" in err, (rc, err))
    rc, out, err = client("--insecure", url, "hello", "ping")
    check(rc == 0, (rc, out, err))
    # plain ws:// to a TLS port says to use wss://
    rc, out, err = client("ws://localhost:%d/api?token=%s" % (D.port, TOKEN), "hello", "ping")
    check(rc == 3 and "wss://" in err, (rc, err))


def t_client_messages():
    """the usual mistakes get a message saying what to do"""
    plain = Daemon("--binding", binding("hello"), "--roothttp", DIR)
    try:
        # no /api: the server answers 404 (or a file): the message names /api
        rc, out, err = client("ws://127.0.0.1:%d/" % plain.port, "hello", "ping")
        check(rc == 3 and "/api" in err and "--rootapi" in err, (rc, err))
        # no token
        rc, out, err = client("ws://127.0.0.1:%d/api" % plain.port, "hello", "ping")
        check(rc == 3 and "401" in err and "?token=" in err, (rc, err))
        # wss:// to a plain server
        rc, out, err = client("--insecure", "wss://127.0.0.1:%d/api" % plain.port, "hello", "ping")
        check(rc == 3 and "TLS" in err and "ws://" in err, (rc, err))
    finally:
        plain.stop()


def t_bad_certificates():
    """a missing or bad certificate stops the daemon with a message naming the file"""
    bad = os.path.join(DIR, "not-pem.txt")
    with open(bad, "w") as f:
        f.write("hello\n")
    for args, expect in (([CERT, os.path.join(DIR, "missing.pem")], "missing.pem"),
                         ([bad, KEY], "not-pem.txt"),
                         ([KEY, CERT], "")):
        p = subprocess.run([os.environ["AFB_DAEMON"], "--https", "--https-cert", args[0], "--https-key", args[1],
                            "--port", "0", "--interface", "127.0.0.1", "--workdir", DIR],
                           capture_output=True, text=True, timeout=20)
        check(p.returncode == 1 and "ERROR" in p.stderr and expect in p.stderr, (args, p.returncode, p.stderr))


run("https-rest", t_https_rest)
run("plain-http-off", t_plain_http_off)
run("wss-calls", t_wss_calls)
run("wss-too-big", t_wss_too_big)
run("wss-many-connections", t_wss_many_connections)
run("afb-client-wss", t_afb_client_wss)
run("client-messages", t_client_messages)
run("bad-certificates", t_bad_certificates)
D.stop()
shutil.rmtree(DIR, ignore_errors=True)
done()
