#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""RFC 6455 framing: fragments, control frames, masks, limits, bad input."""
import asyncio
import json
import socket
import struct
import time

from wsutil import Daemon, RawWS, binding, check, connect, done, frame, run, websockets

LIMIT = 4000
D = Daemon("--binding", binding("hello"), "--ws-max-message", str(LIMIT))


def call_text(id, verb="ping", args=None):
    return json.dumps([2, id, "hello/" + verb, args], ensure_ascii=False)


async def t_fragmented_library():
    c = await connect(D)
    msg, fut = c.send_call("hello", "echo", {"pad": "x" * 1000}, id="frag")
    text = json.dumps(msg)
    await c.ws.send(text[i:i + 100] for i in range(0, len(text), 100))
    r = await fut
    check(r[0] == 3 and r[2]["response"] == {"pad": "x" * 1000}, r)
    await c.close()


def t_fragmented_with_ping():
    r = RawWS(D)
    text = call_text("f2", "echo", {"s": "\u00e9\u00e9\u00e9"}).encode()
    cut = text.index(b"\xc3") + 1  # inside a 2-byte UTF-8 sequence
    r.send(frame(1, text[:cut], fin=False))
    r.send(frame(9, b"ping-data"))
    r.send(frame(0, text[cut:cut + 3], fin=False))
    r.send(frame(0, b"", fin=False))
    r.send(frame(0, text[cut + 3:], fin=True))
    fin, op, payload = r.recv_frame()
    check(op == 10 and payload == b"ping-data", (op, payload))
    m = r.recv_json()
    check(m[:2] == [3, "f2"] and m[2]["response"] == {"s": "\u00e9\u00e9\u00e9"}, m)
    r.close()


def t_unmasked():
    # the 2017 clients did not mask: accepted
    r = RawWS(D)
    r.send_text(call_text("u1"), mask=False)
    r.send(frame(1, call_text("u2"), fin=False, mask=False) + frame(0, b"", mask=True))
    got = r.recv_replies(2)
    check(sorted(got) == ["u1", "u2"] and all(m[0] == 3 for m in got.values()), got)
    r.close()


async def t_ping_library():
    c = await connect(D)
    waiter = await c.ws.ping(b"\x00\x01payload")
    await asyncio.wait_for(waiter, 5)  # resolved by a pong with the same payload
    await c.close()


def t_close_handshake():
    r = RawWS(D)
    r.send(frame(8, struct.pack("!H", 4000) + b"bye"))
    check(r.recv_close() == 4000)
    check(r.at_eof(), "the server kept the connection")
    r = RawWS(D)
    r.send(frame(8, b""))
    fin, op, payload = r.recv_frame()
    check(op == 8 and payload == b"", (op, payload))
    check(r.at_eof())


async def t_close_library():
    c = await connect(D)
    await c.ws.close(1000, "done")
    check(c.ws.close_code == 1000, c.ws.close_code)


def expect_close(r, code, what):
    got = r.recv_close()
    check(got == code, "%s: close %r, expected %d" % (what, got, code))
    check(r.at_eof(), "%s: no end of connection" % what)


def t_too_big():
    r = RawWS(D)
    r.send(frame(1, b"[" + b" " * (LIMIT - 2) + b"]"))  # exactly the limit: parsed
    expect_close(r, 1008, "limit-sized non-call")
    r = RawWS(D)
    r.send(frame(1, b"x" * (LIMIT + 1)))
    expect_close(r, 1009, "one frame")
    r = RawWS(D)
    for _ in range(3):
        r.send(frame(1 if _ == 0 else 0, b"y" * (LIMIT // 2), fin=False))
    expect_close(r, 1009, "fragments")
    # refused from the header and the first bytes, long before the payload ends
    r = RawWS(D)
    r.send(frame(1, b"", length=1 << 40) + b"[2,")
    expect_close(r, 1009, "announced")
    # from the header alone, before any byte of the payload (issue 8 item 7)
    for length in (LIMIT + 1, 1 << 40):
        r = RawWS(D)
        r.send(frame(1, b"", length=length))
        r.s.settimeout(2)
        expect_close(r, 1009, "header alone, %d" % length)
    # a fragment's header that takes the message over the limit, after a ping
    r = RawWS(D)
    r.send(frame(1, b"[" * (LIMIT // 2), fin=False) + frame(9, b"p") + frame(0, b"", fin=False, length=LIMIT))
    r.s.settimeout(2)
    expect_close(r, 1009, "fragment header alone")
    # split anywhere: the header bytes one by one
    r = RawWS(D)
    for b in frame(1, b"", length=LIMIT * 4):
        r.send(bytes([b]))
    r.s.settimeout(2)
    expect_close(r, 1009, "header byte by byte")


def t_exact_limit():
    pad = LIMIT - len(call_text("L", "echo", {"p": ""}))
    r = RawWS(D)
    r.send_text(call_text("L", "echo", {"p": "z" * pad}))
    m = r.recv_json()
    check(m[:2] == [3, "L"], m)
    r.close()


def t_bad_utf8():
    for payload in (b'[2,"a","hello/ping",{"x":"\xff"}]', b'[2,"a","hello/ping",{"x":"\xed\xa0\x80"}]',
                    b'[2,"a","hello/ping",{"x":"\xc3"}]'):
        r = RawWS(D)
        r.send(frame(1, payload))
        expect_close(r, 1007, repr(payload))
    r = RawWS(D)
    r.send(frame(8, struct.pack("!H", 1000) + b"\xff"))
    expect_close(r, 1007, "close reason")


def t_binary():
    r = RawWS(D)
    r.send(frame(2, b"\x00\x01"))
    expect_close(r, 1003, "binary")


def t_protocol_errors():
    cases = {
        "rsv": frame(1, call_text("r"), rsv=4),
        "opcode 3": frame(3, b"x"),
        "opcode 11": frame(11, b""),
        "lone continuation": frame(0, b"x"),
        "text inside fragments": frame(1, b"[", fin=False) + frame(1, b"x"),
        "long ping": frame(9, b"p" * 126),
        "fragmented ping": frame(9, b"p", fin=False),
        "close of 1 byte": frame(8, b"\x03"),
        "close code 999": frame(8, struct.pack("!H", 999)),
        "close code 1005": frame(8, struct.pack("!H", 1005)),
        "non-minimal length": b"\x81\x7e\x00\x05" + b"hello",
    }
    for what, data in cases.items():
        r = RawWS(D)
        r.send(data)
        expect_close(r, 1002, what)


def t_malformed_messages():
    cases = {
        "invalid JSON": b'[2,"a","hello/ping",{]',
        "incomplete JSON": b'[2,"a","hello/ping"',
        "not a JSON array": b'{"a":1}',
        "text after the JSON array": b'[2,"a","hello/ping",null] x',
        "unknown message code": b'[7,"a","hello/ping",null]',
        "reply to a call the server never made": b'[3,"a",{}]',
        "a call has 4 or 5 elements": b'[2,"a","hello/ping"]',
        "the call id is not a string or a number": b'[2,{"a":1},"hello/ping",null]',
        "\\\"api/verb\\\" has no api or no verb": b'[2,"a","hello",null]',
        "\\\"api/verb\\\" is not a string": b'[2,"a",12,null]',
        "the token is not a string": b'[2,"a","hello/ping",null,12]',
        "empty": b'',
    }
    # the daemon writes at most 10 lines a second from one place of its code
    # (binder/core/verbose.h), and the checks above closed connections too:
    # start in a new second of CLOCK_MONOTONIC (time.monotonic's clock) so
    # that the first reasons below are written
    second = int(time.monotonic())
    while int(time.monotonic()) == second:
        time.sleep(0.01)
    for why, payload in cases.items():
        r = RawWS(D)
        r.send(frame(1, payload))
        expect_close(r, 1008, why)
    time.sleep(0.1)
    log = D.read_log()
    check("closing with code 1008: invalid JSON" in log, "no logged reason")
    check("closing with code 1008: reply to a call the server never made" in log)


def t_log_flood():
    # 60 clients closed for a bad message within a second: the daemon's
    # warning about it is written 10 times at most, then once counting the
    # rest (binder/core/verbose.h: a client can't flood the log)
    # connected first, then the 60 bad messages at once: they fit in one
    # or two seconds of the limiter even in a slow build
    clients = [RawWS(D) for i in range(60)]
    second = int(time.monotonic())
    while int(time.monotonic()) == second:
        time.sleep(0.01)
    before = D.read_log().count("closing with code 1008: incomplete JSON")
    start = time.monotonic()
    for r in clients:
        r.send(frame(1, b'[2,"flood",'))
    for r in clients:
        expect_close(r, 1008, "incomplete JSON")
    seconds = int(time.monotonic()) - int(start) + 1  # more under sanitizers
    written = D.read_log().count("closing with code 1008: incomplete JSON") - before
    check(written <= 10 * seconds, "%d warnings written in %d s" % (written, seconds))
    check(written < 60, "%d warnings written" % written)
    # a second later, the next one says how many were not written
    second = int(time.monotonic())
    while int(time.monotonic()) == second:
        time.sleep(0.01)
    reports = D.read_log().count("more messages suppressed")
    r = RawWS(D)
    r.send(frame(1, b'[2,'))
    expect_close(r, 1008, "incomplete JSON")
    deadline = time.time() + 5
    while D.read_log().count("more messages suppressed") == reports and time.time() < deadline:
        time.sleep(0.05)
    check(D.read_log().count("more messages suppressed") > reports, "no count of the suppressed warnings")
    check(D.alive())


def t_ignored_event_and_api_slash():
    r = RawWS(D)
    r.send_text('[5,"some/event",{"jtype":"afb-event"}]')  # ignored, as in 2017
    r.send_text('[2,"s","hello/ping/extra",null]')  # the verb is what follows the first '/'
    r.send_text(call_text("after"))
    got = r.recv_replies(2)
    check(sorted(got) == ["after", "s"], got)
    m = got["s"]
    check(m[0] == 4 and m[2]["request"]["status"] == "unknown-verb", m)
    check(got["after"][0] == 3, got)
    r.close()


def t_byte_by_byte():
    r = RawWS(D)
    r.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    data = frame(1, call_text("b1", "echo", {"k": "v" * 300})) + frame(1, call_text("b2"))
    for i in range(len(data)):
        r.send(data[i:i + 1])
    got = r.recv_replies(2)
    check(sorted(got) == ["b1", "b2"] and all(m[0] == 3 for m in got.values()), got)
    r.close()


def t_slow_reader():
    # replies far bigger than the socket buffers: written in parts
    r = RawWS(D2)
    r.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    pad = "p" * 600000
    for i in range(8):
        r.send_text(call_text("big%d" % i, "echo", {"i": i, "pad": pad}))
    r.send_text(call_text("last"))
    time.sleep(1.0)  # the daemon's writes meet a full socket
    got = {}
    for i in range(9):
        m = r.recv_json()
        check(m[0] == 3, m[:2])
        got[m[1]] = m[2].get("response")
    check(sorted(got) == sorted(["big%d" % i for i in range(8)] + ["last"]), sorted(got))
    check(all(got["big%d" % i] == {"i": i, "pad": pad} for i in range(8)))
    r.close()


def t_stop():
    D.stop()
    D2.stop()


D2 = Daemon("--binding", binding("hello"))
run("fragmented-library", t_fragmented_library)
run("fragmented-with-ping", t_fragmented_with_ping)
run("unmasked", t_unmasked)
run("ping-library", t_ping_library)
run("close-handshake", t_close_handshake)
run("close-library", t_close_library)
run("too-big", t_too_big)
run("exact-limit", t_exact_limit)
run("bad-utf8", t_bad_utf8)
run("binary", t_binary)
run("protocol-errors", t_protocol_errors)
run("malformed-messages", t_malformed_messages)
run("log-flood", t_log_flood)
run("ignored-event", t_ignored_event_and_api_slash)
run("byte-by-byte", t_byte_by_byte)
run("slow-reader", t_slow_reader)
run("stop", t_stop)
done()
