#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Keep-alive of x-afb-ws-json1 (issue 8 item 7): --ws-ping-interval and
--ws-idle-timeout. A silent peer is pinged; one that answers (every RFC
6455 client does, python3-websockets too) stays; one that neither talks
nor answers is closed with 1001; one that does not read its messages is
dropped. Nothing is sent to a peer that talks.
"""
import asyncio
import json
import socket
import time

from wsutil import Daemon, RawWS, binding, check, connect, done, frame, run

def call_text(id, verb="ping", args=None):
    return json.dumps([2, id, "hello/" + verb, args])


# -vv: the drop of a peer that does not read is logged at info level
D = Daemon("--binding", binding("hello"), "--ws-ping-interval", "1", "--ws-idle-timeout", "3", "-vv")


def t_silent_raw_peer_closed():
    r = RawWS(D)
    start = time.time()
    pings = 0
    r.s.settimeout(10)
    while True:
        fin, op, payload = r.recv_frame()
        if op == 9:
            pings += 1
            check(len(payload) == 8, payload)
            continue
        check(op == 8, "unexpected opcode %d" % op)
        break
    elapsed = time.time() - start
    code = int.from_bytes(payload[:2], "big")
    check(code == 1001, code)
    check(b"nothing received" in payload, payload)
    check(2.5 <= elapsed <= 6, elapsed)
    check(pings >= 1, pings)
    check(r.at_eof(), "not closed")
    print("# closed after %.1f s, %d ping(s)" % (elapsed, pings))


def t_pong_keeps_alive():
    r = RawWS(D)
    r.s.settimeout(1)
    end = time.time() + 6
    pings = 0
    while time.time() < end:
        try:
            fin, op, payload = r.recv_frame()
        except socket.timeout:
            continue
        check(op == 9, "unexpected opcode %d (%r)" % (op, payload))
        pings += 1
        r.send(frame(10, payload))
    # a pong restarts the silence and the daemon looks once a second: a
    # ping every 1 to 2 s, so 2 to 5 in 6 s; the point is that the
    # connection outlives twice the idle timeout (3 s)
    check(pings >= 2, pings)
    # still served
    r.send_text(call_text("k", "ping"))
    r.s.settimeout(5)
    while True:
        fin, op, payload = r.recv_frame()
        if op == 1:
            break
    check(json.loads(payload)[:2] == [3, "k"], payload)
    r.close()


async def t_library_client_stays():
    c = await connect(D)  # python3-websockets answers pings by itself
    await asyncio.sleep(5)
    check(not c.closed.done(), "closed")
    r = await c.ok("hello", "ping")
    check(r == {"ping": "pong"}, r)
    await c.close()


def t_talking_peer_not_pinged():
    r = RawWS(D)
    r.s.settimeout(5)  # a slow reply is not what this checks
    end = time.time() + 4
    n = 0
    while time.time() < end:
        n += 1
        r.send_text(call_text("t%d" % n, "ping"))
        fin, op, payload = r.recv_frame()
        check(op == 1, "opcode %d: a peer that talks is not pinged" % op)
        time.sleep(0.3)  # well under the 1 s ping interval, reply included
    r.close()


def t_not_reading_dropped():
    r = RawWS(D)
    r.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    # calls whose replies pile up: the peer never reads them
    big = call_text("b", "echo", {"x": "y" * 60000})
    for i in range(200):
        try:
            r.s.sendall(frame(1, big))
        except (BlockingIOError, socket.timeout, ConnectionResetError, BrokenPipeError):
            break  # the daemon stopped reading us (backlog), or already dropped us
    start = time.time()
    r.s.settimeout(0.5)
    # the daemon drops it a few seconds after its output stopped moving
    while time.time() - start < 10:
        log = D.read_log()
        if "it read nothing for" in log:
            break
        time.sleep(0.2)
    check("it read nothing for" in D.read_log(), "still there")
    r.close()


def t_event_flood_not_read():
    import http.client
    r = RawWS(D)
    r.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    # one after the other (calls sent at once run concurrently); only what
    # the daemon logs from now on counts (earlier checks log the same words)
    log_start = len(D.read_log())
    r.send_text(call_text("a", "eventadd", {"tag": "flood", "name": "flood"}))
    check(r.recv_json()[:2] == [3, "a"])
    r.send_text(call_text("s", "eventsub", {"tag": "flood"}))
    check(r.recv_json()[:2] == [3, "s"])
    body = json.dumps({"tag": "flood", "data": "z" * 65536}).encode()
    for i in range(400):
        c = http.client.HTTPConnection("127.0.0.1", D.port, timeout=10)
        c.request("POST", "/api/hello/eventpush", body=body,
                  headers={"Content-Type": "application/json", "x-afb-token": "ws-test-token"})
        reply = json.loads(c.getresponse().read())
        c.close()
        if reply["response"]["count"] == 0:
            break  # dropped: nobody listens any more
    # dropped by its output bound, or (a slow build: ThreadSanitizer) by
    # the silence deadline that came first: both release the peer
    log = D.read_log()[log_start:]
    check("it does not read" in log or "it read nothing for" in log,
          "not dropped after %d pushes of 64 KiB" % (i + 1))
    check(reply["response"]["count"] == 0, "still a listener after %d pushes" % (i + 1))
    print("# dropped after %d pushes of 64 KiB" % (i + 1))
    r.close()


run("silent-raw-peer-closed", t_silent_raw_peer_closed)
run("pong-keeps-alive", t_pong_keeps_alive)
run("library-client-stays", t_library_client_stays)
run("talking-peer-not-pinged", t_talking_peer_not_pinged)
run("not-reading-dropped", t_not_reading_dropped)
run("event-flood-not-read", t_event_flood_not_read)
D.stop()
done()
