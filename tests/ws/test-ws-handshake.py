#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The opening handshake at <rootapi>: status codes, subprotocol, token and session."""
import asyncio
import json

from wsutil import (Daemon, RawWS, accept_key, binding, check, connect, done, http_request, run, ws_headers,
                    TOKEN, PROTOCOL, websockets)

D = Daemon("--binding", binding("hello"))
KEY = "dGhlIHNhbXBsZSBub25jZQ=="


def t_upgrade():
    status, h, _, s = http_request(D.port, "/api", ws_headers(KEY))
    s.close()
    check(status == 101, "status %d" % status)
    check(h["upgrade"] == ["websocket"], h)
    check("upgrade" in h["connection"][0].lower(), h)
    check(h["sec-websocket-accept"] == [accept_key(KEY)] == ["s3pPLMBiTxaQ9kYGzzhZRbK+xOo="], h)
    check(h["sec-websocket-protocol"] == [PROTOCOL], h)
    check(any(c.startswith("x-afb-uuid-%d=" % D.port) for c in h.get("set-cookie", [])), h)


def t_protocol_absent():
    # chosen by default, and named in the reply
    status, h, _, s = http_request(D.port, "/api", ws_headers(KEY, protocol=None))
    s.close()
    check(status == 101 and h["sec-websocket-protocol"] == [PROTOCOL], (status, h))


def t_protocol_list():
    status, h, _, s = http_request(D.port, "/api", ws_headers(KEY, protocol="chat, X-AFB-WS-JSON1 ,other"))
    s.close()
    check(status == 101 and h["sec-websocket-protocol"] == [PROTOCOL], (status, h))
    status, h, _, s = http_request(D.port, "/api", ws_headers(KEY, protocol="chat") + [("Sec-WebSocket-Protocol", PROTOCOL)])
    s.close()
    check(status == 101, "two headers: %d" % status)


def t_protocol_unknown():
    status, h, _, s = http_request(D.port, "/api", ws_headers(KEY, protocol="chat, superchat"))
    s.close()
    check(status == 412, "status %d" % status)


def t_version():
    for v in ("8", "14", ""):
        status, h, _, s = http_request(D.port, "/api", ws_headers(KEY, version=v))
        s.close()
        check(status == 426, "version %r: status %d" % (v, status))
        check(h.get("sec-websocket-version") == ["13"], h)


def t_bad_requests():
    status, _, _, s = http_request(D.port, "/api", ws_headers("short"))
    s.close()
    check(status == 400, "bad key: %d" % status)
    hs = [h for h in ws_headers(KEY) if h[0] != "Connection"] + [("Connection", "keep-alive")]
    status, _, _, s = http_request(D.port, "/api", hs)
    s.close()
    check(status == 400, "no Connection: upgrade: %d" % status)
    status, _, _, s = http_request(D.port, "/api", ws_headers(KEY), method="POST")
    s.close()
    check(status == 405, "POST: %d" % status)
    status, _, _, s = http_request(D.port, "/api", ws_headers(KEY), version="HTTP/1.0")
    s.close()
    check(status == 400, "HTTP/1.0: %d" % status)


def t_not_the_endpoint():
    # only exactly <rootapi> upgrades; a plain GET there is not ours
    status, _, _, s = http_request(D.port, "/api/", ws_headers(KEY))
    s.close()
    check(status == 404, "/api/: %d" % status)
    status, _, _, s = http_request(D.port, "/api", [("x-afb-token", TOKEN)])
    s.close()
    check(status == 404, "plain GET /api: %d" % status)
    status, _, _, s = http_request(D.port, "/API", ws_headers(KEY))
    s.close()
    check(status == 101, "/API: %d" % status)


def t_token():
    for hs in (ws_headers(KEY, token=None), ws_headers(KEY, token="wrong")):
        status, h, _, s = http_request(D.port, "/api", hs)
        s.close()
        check(status == 401, "status %d" % status)
    hs = ws_headers(KEY, token=None)
    for path, extra in (("/api?token=" + TOKEN, []), ("/api?x-afb-token=" + TOKEN, []),
                        ("/api", [("Authorization", "Bearer " + TOKEN)])):
        status, h, _, s = http_request(D.port, path, hs + extra)
        s.close()
        check(status == 101, "%s %r: status %d" % (path, extra, status))


async def t_library():
    # python3-websockets refuses an unknown subprotocol answer: ours is right
    c = await connect(D)
    check(c.ws.subprotocol == PROTOCOL)
    r = await c.call("hello", "ping")
    check(r[0] == 3 and r[2]["response"] == {"ping": "pong"}, r)
    await c.close()
    try:
        await connect(D, token="wrong")
        check(False, "connected with a wrong token")
    except websockets.exceptions.InvalidStatusCode as e:
        check(e.status_code == 401, e)


async def t_session_uuid():
    # a new session: its uuid comes in the first reply only
    c = await connect(D)
    r1 = await c.call("hello", "ping")
    uuid = r1[2]["request"].get("uuid")
    check(uuid and len(uuid) == 36, r1)
    r2 = await c.call("hello", "ping")
    check("uuid" not in r2[2]["request"], r2)
    await c.ok("hello", "contextset", {"value": "kept"})
    await c.close()
    # the same session again, by uuid: no uuid told, same context
    c = await connect(D, extra="uuid=" + uuid)
    r = await c.call("hello", "contextget")
    check("uuid" not in r[2]["request"], r)
    check(r[2]["response"] == {"value": "kept"}, r)
    await c.close()
    # and by cookie
    c = await connect(D, extra_headers=[("Cookie", "x-afb-uuid-%d=%s" % (D.port, uuid))])
    r = await c.call("hello", "contextget")
    check(r[2]["response"] == {"value": "kept"}, r)
    await c.close()


def t_data_with_handshake():
    # a call sent right behind the handshake, before the 101 reply
    msg = json.dumps([2, "early", "hello/ping", None]).encode()
    from wsutil import frame
    r = RawWS(D, extra_bytes=frame(1, msg))
    reply = r.recv_json()
    check(reply[:2] == [3, "early"], reply)
    r.close()


def t_stop():
    D.stop()


run("upgrade", t_upgrade)
run("protocol-absent", t_protocol_absent)
run("protocol-list", t_protocol_list)
run("protocol-unknown", t_protocol_unknown)
run("version", t_version)
run("bad-requests", t_bad_requests)
run("not-the-endpoint", t_not_the_endpoint)
run("token", t_token)
run("library", t_library)
run("session-uuid", t_session_uuid)
run("data-with-handshake", t_data_with_handshake)
run("stop", t_stop)
done()
