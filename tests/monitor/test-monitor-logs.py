#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Tracing to the log (--tracereq, --traceditf, --traceevt, --tracesvc)
and the request log at -vv (every request, every refusal), on stderr
and, under systemd (JOURNAL_STREAM names stderr), through
sd_journal_send with the fields API=, VERB=, STATUS=, TRANSPORT=: that
path is checked with a stand-in of sd_journal_send preloaded in the
daemon (tests/monitor/fake-journal.c), which records the fields it
receives."""
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ws"))
from wsutil import Daemon, RawWS, binding, check, connect, done, run, wait_log, TOKEN  # noqa: E402


def http(d, path):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (d.port, path)) as f:
            return f.status
    except urllib.error.HTTPError as e:
        return e.code


async def t_tracereq_common():
    d = Daemon("--tracereq", "common", "--traceditf", "common", "--traceevt", "all", "--tracesvc", "all",
               "--binding", binding("hello"))
    c = await connect(d)
    await c.ok("hello", "ping", {"a": 1})
    m = wait_log(d, r"HOOK: \[xreq-(\d{6}):hello/ping\] begin ws 127\.0\.0\.1:\d+ session [0-9a-f-]{36}$")
    idx = m.group(1)
    wait_log(d, r"HOOK: \[xreq-%s:hello/ping\] success \{\"result\":\{\"ping\":\"pong\"\},.*\"duration_us\":\d+\}$" % idx)
    wait_log(d, r"HOOK: \[xreq-%s:hello/ping\] end \{\"duration_us\":\d+\}$" % idx)
    # common: no context actions (extra)
    await c.ok("hello", "contextget")
    wait_log(d, r"HOOK: \[xreq-\d+:hello/contextget\] end")
    check("context_get" not in d.read_log(), "context_get traced at common")
    # daemon interface, events, services
    await c.ok("hello", "eventadd", {"tag": "t", "name": "logged"})
    wait_log(d, r"HOOK: \[api hello\] event_make \{\"name\":\"logged\",\"event\":\"hello/logged\",\"id\":\d+\}")
    wait_log(d, r"HOOK: \[evt hello/logged:\d+\] create")
    check(re.search(r"HOOK: \[service hello\] start_before", d.read_log()), "no service start traced")
    # HTTP requests are traced with their transport
    check(http(d, "/api/hello/ping?token=" + TOKEN) == 200)
    wait_log(d, r"HOOK: \[xreq-\d+:hello/ping\] begin http 127\.0\.0\.1:\d+ ")
    await c.close()
    d.stop()


async def t_tracereq_all():
    d = Daemon("--tracereq", "all", "--binding", binding("hello"))
    c = await connect(d)
    await c.ok("hello", "contextget")
    wait_log(d, r"HOOK: \[xreq-\d+:hello/contextget\] context_get")
    await c.ok("hello", "echo", {"k": "v"})
    wait_log(d, r"HOOK: \[xreq-\d+:hello/echo\] json \{\"result\":\{\"k\":\"v\"\}\}")
    await c.close()
    d.stop()


def t_bad_option():
    for args in (["--tracereq", "bogus"], ["--tracesvc", "common"], ["--traceevt", ""]):
        p = subprocess.run([os.environ["AFB_DAEMON"]] + args, capture_output=True, text=True, timeout=20)
        check(p.returncode == 2 and "--trace" in p.stderr, (args, p.returncode, p.stderr))


async def t_request_log():
    d = Daemon("-vv", "--binding", binding("hello"), "--binding", binding("auth"))
    c = await connect(d)
    await c.ok("hello", "ping")
    wait_log(d, r"^<6> INFO: request hello/ping ws 127\.0\.0\.1:\d+ success \d+\.\d{3} ms$")
    r = await c.call("hello", "pingfail")
    check(r[0] == 4)
    wait_log(d, r"^<6> INFO: request hello/pingfail ws 127\.0\.0\.1:\d+ failed \d+\.\d{3} ms: Ping Binder Daemon fails$")
    # refusals: a denied request (no LOA), a 401 over HTTP, a refused WebSocket handshake
    r = await c.call("auth", "check")
    check(r[0] == 4 and r[2]["request"]["status"] == "denied", r)
    wait_log(d, r"^<5> NOTICE: request auth/check ws 127\.0\.0\.1:\d+ denied \d+\.\d{3} ms: invalid LOA$")
    check(http(d, "/api/auth/check?token=wrong") == 401)
    wait_log(d, r"^<5> NOTICE: request auth/check http 127\.0\.0\.1:\d+ denied .*invalid token")
    try:
        RawWS(d, token="wrong-token")
        check(False, "handshake accepted")
    except Exception:
        pass
    wait_log(d, r"^<5> NOTICE: refused ws 127\.0\.0\.1:\d+ 401: WebSocket handshake refused: Invalid or missing token$")
    # internal requests (service calls, subcalls) are logged as such
    await c.ok("hello", "call", {"api": "hello", "verb": "pingnull"})
    wait_log(d, r"request hello/pingnull ws 127\.0\.0\.1:\d+ success")
    await c.close()
    d.stop()


async def t_quiet_by_default():
    d = Daemon("--binding", binding("hello"))
    c = await connect(d)
    await c.ok("hello", "ping")
    await c.close()
    d.stop()
    check("request hello/ping" not in d.read_log() and "HOOK:" not in d.read_log(), d.read_log())


async def t_journal():
    """Under systemd: the request lines go to the journal with their fields."""
    journal = os.path.join(tempfile.mkdtemp(prefix="afb-journal-"), "fields")
    saved = dict(os.environ)
    # the daemon's stderr is its log file: JOURNAL_STREAM names it (see _popen_with_journal_stream)
    os.environ.update({
        "LD_PRELOAD": os.environ["AFB_FAKE_JOURNAL"],
        "FAKE_JOURNAL": journal,
        "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0",
    })
    try:
        d = Daemon("-vv", "--binding", binding("hello"))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    c = await connect(d)
    await c.ok("hello", "ping")
    check(http(d, "/api/hello/pingfail?token=" + TOKEN) == 500)
    await c.close()
    deadline = time.time() + 10
    text = ""
    while time.time() < deadline:
        text = open(journal).read() if os.path.exists(journal) else ""
        if "VERB=pingfail" in text:
            break
        time.sleep(0.05)
    entries = [dict(line.split("=", 1) for line in e.splitlines() if "=" in line) for e in text.split("\n\n") if e.strip()]
    ping = [e for e in entries if e.get("VERB") == "ping"]
    fail = [e for e in entries if e.get("VERB") == "pingfail"]
    check(ping and fail, text)
    e = ping[0]
    check(e["API"] == "hello" and e["STATUS"] == "success" and e["TRANSPORT"] == "ws" and e["PRIORITY"] == "6"
          and re.match(r"127\.0\.0\.1:\d+$", e["CLIENT"]) and e["MESSAGE"].startswith("request hello/ping ws ")
          and int(e["DURATION_US"]) >= 0 and len(e["SESSION"]) == 36, e)
    check(fail[0]["STATUS"] == "failed" and fail[0]["TRANSPORT"] == "http", fail[0])
    d.stop()
    # the journal got the request lines: stderr did not
    check("request hello/ping" not in d.read_log(), d.read_log())


_orig_popen = subprocess.Popen


def _popen_with_journal_stream(cmd, *a, **kw):
    # Daemon passes its log file as stdout/stderr: name it in JOURNAL_STREAM
    log = kw.get("stderr") if kw.get("stderr") not in (None, subprocess.STDOUT) else kw.get("stdout")
    if os.environ.get("FAKE_JOURNAL") and log is not None and hasattr(log, "fileno"):
        st = os.fstat(log.fileno())
        env = dict(kw.get("env") or os.environ)
        env["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
        kw["env"] = env
    return _orig_popen(cmd, *a, **kw)


subprocess.Popen = _popen_with_journal_stream

run("tracereq-common", t_tracereq_common)
run("tracereq-all", t_tracereq_all)
run("bad-option", t_bad_option)
run("request-log", t_request_log)
run("quiet-by-default", t_quiet_by_default)
run("journal", t_journal)
done()
