#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Fair share under a WebSocket flood (issue 8, item 9): one connection
pipelining 1,500 calls of a 4 ms verb on 4 workers does not keep the
daemon from the other clients. While the workers are behind, the flood's
input waits in its socket; the loop must go on polling meanwhile (a
deferred source re-enabled at every turn kept sd-event from polling, and
the other clients' connections were neither accepted nor read until the
backlog was gone: HTTP pings waited hundreds of ms).
"""
import http.client
import json
import os
import threading
import time

from wsutil import Daemon, RawWS, binding, check, done, run

FLOOD = 1500
SANITIZED = os.environ.get("AFB_SANITIZE", "none") not in ("", "none")

D = Daemon("--binding", binding("hello"), "--jobs", "4")


def ping_ms():
    start = time.time()
    c = http.client.HTTPConnection("127.0.0.1", D.port, timeout=30)
    c.request("GET", "/api/hello/ping", headers={"x-afb-token": "ws-test-token"})
    reply = json.loads(c.getresponse().read())
    c.close()
    check(reply["request"]["status"] == "success", reply)
    return (time.time() - start) * 1000


def cpu_s():
    with open("/proc/%d/stat" % D.proc.pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def t_flood():
    r = RawWS(D)
    r.s.settimeout(60)
    got = {"success": 0, "other": 0, "n": 0}
    sent = [0]

    def sender():
        for i in range(FLOOD):
            r.send_text(json.dumps([2, "f%d" % i, "hello/sleep", {"ms": 4}]))
            sent[0] = i + 1

    def receiver():
        while got["n"] < FLOOD:
            msg = r.recv_json()
            if msg[0] == 3:
                got["success"] += 1
            else:
                got["other"] += 1
            got["n"] += 1

    cpu0 = cpu_s()
    start = time.time()
    ts = threading.Thread(target=sender)
    tr = threading.Thread(target=receiver)
    ts.start()
    tr.start()
    while sent[0] < FLOOD // 4 and time.time() - start < 10:
        time.sleep(0.005)
    times = []
    while got["n"] < FLOOD * 3 // 4 and len(times) < 40:
        times.append(ping_ms())
    ts.join()
    tr.join()
    flood_s = time.time() - start
    cpu = cpu_s() - cpu0
    mean = sum(times) / len(times) if times else 0
    worst = max(times) if times else 0
    print("# flood of %d calls of 4 ms on 4 workers: %.2f s, %d replied, %d failed"
          % (FLOOD, flood_s, got["success"], got["other"]))
    print("# the daemon's CPU time meanwhile: %.2f s (the verbs sleep: it is the loop's work)" % cpu)
    print("# meanwhile %d HTTP pings of another client: mean %.1f ms, worst %.1f ms" % (len(times), mean, worst))
    check(got["n"] == FLOOD, got)
    check(len(times) >= 5, "only %d pings during the flood" % len(times))
    # a ping waits for a worker (4 ms) and a turn of the loop, not for the flood
    limit = 400 if SANITIZED else 150
    check(mean < limit, "pings took %.1f ms on average (limit %d)" % (mean, limit))
    r.close()


run("flood", t_flood)
done()
