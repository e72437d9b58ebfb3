#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpora of the fuzz harnesses, tests/fuzz/corpus/NAME/:
meaningful inputs (valid messages, classic breakages) from which the
mutations start. Run it after changing a harness's input format:
    tests/fuzz/make-seeds.py
The files are committed; what libFuzzer finds stays in build-fuzz/ (see
scripts/fuzz)."""
import json
import os
import shutil
import struct

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(name, seeds):
    d = os.path.join(TOP, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for i, s in enumerate(seeds):
        if isinstance(s, str):
            s = s.encode()
        with open(os.path.join(d, "seed-%03d" % i), "wb") as f:
            f.write(s)


def frame(opcode, payload=b"", fin=True, mask=None):
    if isinstance(payload, str):
        payload = payload.encode()
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | opcode])
    m = 0x80 if mask else 0
    if n < 126:
        head += bytes([m | n])
    elif n < 65536:
        head += bytes([m | 126]) + struct.pack("!H", n)
    else:
        head += bytes([m | 127]) + struct.pack("!Q", n)
    if mask:
        head += mask
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + payload


# ---- x-afb-ws-json1 messages
calls = [
    '[2,"1","hello/ping",null]',
    '[2,12,"hello/echo",{"a":[1,2,{"b":"\\u00e9"}]},"token"]',
    '[2,"x","api/verb",{"k":"caf\u00e9 \u20ac \U0001f600"}]',
    '[3,"1",{"jtype":"afb-reply","request":{"status":"success"}},"tok"]',
    '[4,7,{"jtype":"afb-reply","request":{"status":"failed","info":"no"}}]',
    '[5,"hello/ev",{"event":"hello/ev","data":1,"jtype":"afb-event"}]',
    '[2,"d","a/b",' + "[" * 40 + "]" * 40 + "]",
    '[2,"\\ud800","a/",1.5e308]',
    '[2, "s" , "a/b" , "text"  ]  ',
    '[2,1.5,"a/b/c",true,null]',
    '[9,"1","a/b",{}]',
    '{"not":"an array"}',
    # shapes at the edge of the hand scan (json1.c) and json-c's
    '[2,-0,"a/b",12,"t"]',
    '[2,007,"a/b",null]',
    '[2,123456789012345678901,"a/b",null]',
    '[2,"\u0041","a/b",{}]',
    '[2,"id","a/b",nullx]',
    '[2,"id","a/b",[1,2] , null ]',
    '[2,"id","a/b",' + "[" * 31 + "]" * 31 + "]",
    '[2,"id","a/b",' + "[" * 32 + "]" * 32 + "]",
    '[2,"id","a/b","x","t",]',
    '[2,"id","a/b",{"a":1}\n]\n',
    '[2,-4,"a/b",NaN]',
]
write("json1", calls)

# ---- WebSocket frames carrying them
mask = b"\x01\x02\x03\x04"
ws = []
for i, c in enumerate(calls[:6]):
    ws.append(frame(1, c, mask=mask if i % 2 else None))
ws.append(frame(1, calls[1][:10], fin=False, mask=mask) + frame(9, b"p", mask=mask) + frame(0, calls[1][10:], mask=mask))
ws.append(frame(1, calls[0]) + frame(8, struct.pack("!H", 1000) + b"bye"))
ws.append(frame(10, b"") + frame(2, b"\x00\x01") + frame(8, b"\x03"))
ws.append(frame(1, "\xc3\xa9".encode("latin-1")) + frame(1, b"\xc3"))
ws.append(frame(1, b"x" * 200, fin=False) + frame(0, b"y" * 70000))
ws.append(bytes([0x81, 0x7f]) + struct.pack("!Q", 1 << 40) + b"[2,")
ws.append(frame(1, b"") + frame(1, calls[0]))
write("wsframe", ws)


# ---- afb-proto-ws messages, raw and framed
def u32(v):
    return struct.pack("<I", v)


def s(text):
    if isinstance(text, str):
        text = text.encode()
    return u32(len(text) + 1) + text + b"\0"


args = json.dumps({"a": [1, "x", None, {"b": True}]})
msgs = [
    b"C" + u32(1) + s("ping") + s("8d2e0a6c-0000-4000-8000-000000000001") + s(args),
    b"R" + u32(2) + b"\0" + s(args),
    b"D" + u32(3),
    b"T" + u32(4) + s("info") + s(args),
    b"F" + u32(5) + s("failed") + s(""),
    b"B" + u32(6) + u32(7) + s("api") + s("verb") + s(args),
    b"S" + u32(8) + u32(9) + s("api/e"),
    b"U" + u32(8) + u32(9) + s("api/e"),
    b"+" + u32(9) + s("api/e"),
    b"-" + u32(9) + s("api/e"),
    b"!" + u32(9) + s("api/e") + s(args),
    b"*" + s("api/e") + s(args),
    b"*" + s("api/e") + s(args) + b"0123456789abcdef" + b"\x03",
    b"d" + u32(10) + s('{"openapi":"3.0.0"}'),
    b"C" + u32(1) + s("ping") + s("u") + s('{"x":"\xff\xfe"}'.encode("latin-1")),
    b"T" + u32(4) + s(b"i\xff") + s("not json"),
]
write("proto-ws", msgs + [frame(2, m, mask=mask if i % 2 else None) for i, m in enumerate(msgs)]
      + [frame(2, msgs[0][:5], fin=False) + frame(9, b"") + frame(0, msgs[0][5:])])

# ---- HTTP bodies and queries (the first byte is the kind)
mp = ("--AaB03x\r\nContent-Disposition: form-data; name=\"field\"\r\n\r\ncaf\u00e9\r\n"
      "--AaB03x\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n"
      "Content-Type: text/plain\r\n\r\nfile content\r\n--AaB03x--\r\n")
mpq = mp.replace("AaB03x", "b=1; x")
write("http-body", [
    "m" + mp,
    "m" + mp.replace("caf\u00e9", "\udcff", 1).encode("utf-8", "surrogateescape").decode("latin-1"),
    "m--AaB03x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--AaB03x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n2\r\n--AaB03x--",
    "mno delimiter at all",
    "M" + mpq,
    "ua=1&b=%C3%A9&c&d=&e=x+y&a=2",
    "u%ff=1&%zz=2&&=&",
    'j{"a":1,"b":[true,null,"\\u00e9"],"c":{"d":1.5}}',
    'j[1,2,3]',
    'j"\\ud800"',
    "j{\"x\":\"\xff\"}",
    "gignored body",
    "qa=1&b=2&c&d=%C3%A9",
    "q%ff%fe=1",
    "q" + "&".join("a%d=%d" % (i, i) for i in range(50)),
    "qx-afb-uuid=u&x-afb-token=t&reqid=7",
])

# ---- command lines (one argument a line)
write("cmdline", [
    "--port\n1234\n--interface\n127.0.0.1\n--token\ns3cret",
    "-p\n0\n-vvv\n--name=afb\n--rootapi=/api\n--alias=/x:/tmp",
    "--binding=hello.so\n--call=hello/ping:{}\n--set=hello/k:1\n--set=*/j:{\"a\":1}",
    "--http-max-connections=0\n--http-max-per-address=128\n--http-header-timeout=10\n--ws-ping-interval=30",
    "--max-body=1048576\n--max-upload=1\n--ws-max-message=16\n--proto-ws-max-output=65536",
    "--ws-server=unix:/tmp/x/hello\n--ws-client=tcp:localhost:1234/hello\n--dbus-server=user:*",
    "--help",
    "--version",
    "--dump-config\n--port=1",
    "--port\n99999",
    "--unknown",
    "-q\n-q\n-r\n--no-httpd",
    "--tracereq=all\n--traceevt=no",
])

# ---- D-Bus: SIGNATURE \0 JSON, or JSON alone (signature v)
write("dbus", [
    '{"a":1,"b":[true,null,"x"],"c":{"d":1.5}}',
    b"v\0" + b'[1,-1,9223372036854775807,18446744073709551615,2.0,-0.0]',
    b"a{sv}\0" + b'{"k":"v","n":1}',
    b"as\0" + b'["a","b","c\\u0000d"]',
    b"(isb)\0" + b'[1,"two",false]',
    b"ay\0" + b'"bytes"',
    b"d\0" + b"1e308",
    b"x\0" + b"-9223372036854775808",
    b"v\0" + b'"\\ufffe\\uffff"',
    b"a{ia{sv}}\0" + b'{"1":{"x":[]}}',
    '"hello/api name with spaces and \u00e9"',
])

# ---- UTF-8
write("utf8", [
    "ascii text", "caf\u00e9 \u20ac \U0001f600",
    b"\xc0\xaf\xe0\x80\xaf\xed\xa0\x80\xf4\x90\x80\x80", b"\xff\xfe\x80", b"a\xe2\x82", b"\x00\xef\xbf\xbd",
    b"0123456789abcdef" * 4 + b"\xc3",
])
# ---- plain JSON (jscan): replies passed on as they are, and near misses
write("jscan", [
    '{"response":"Some String","n":[1,-2,3.5,1e10,-0.0,true,false,null],"o":{}}',
    ' [ 1 , { "a" : [ ] } ] ',
    r'"caf\u00e9 \u20ac \ud83d\ude00 \u0000 \"\\\/\b\f\n\r\t"',
    r'"\ud800"', r'"\udc00x"', r'"\ud800\u0041"',
    '9223372036854775807', '18446744073709551615', '-999999999999999999', '-9223372036854775808',
    '1.0000000000000001e+300', '1e9999', '01', '1.', '-', '.5', 'NaN', '[1,]', '{"a":1,}', "{'a':1}",
    '[' * 30 + ']' * 30, '[' * 31 + ']' * 31, '{"a":' * 30 + '1' + '}' * 30,
    'null', ' null ', 'nul', 'true false', '{"a":1}x', '{"a" 1}', '{"a":1 "b":2}',
    "\"caf\u00e9\"", b'"\xc3\x28"', b'"tab\there"', b'"\xed\xa0\x80"',  # raw UTF-8, bad UTF-8, raw tab, a surrogate in UTF-8
])
print("corpora written in", TOP)
