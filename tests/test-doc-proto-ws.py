#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""
The runnable examples of docs/proto-ws.md, as written there: every ```sh
block that starts binders from build/ is run with bash from a copy of the
tree layout (build -> the build directory), with free ports instead of 1235
and 2500 and a temporary directory instead of /tmp/afb-ws; each must print
the reply of hello/ping. The systemctl block (no service manager here) is
covered by tests/test-systemd.py (units) and by its systemd-socket-activate
twin below.
usage: test-doc-proto-ws.py SOURCE_ROOT BUILD_DIR
"""
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

SRC, BUILD = sys.argv[1], os.path.abspath(sys.argv[2])
doc = open(os.path.join(SRC, "docs/proto-ws.md")).read()
blocks = [b for b in re.findall(r"```sh\n(.*?)```", doc, re.S) if "build/binder/afb-daemon" in b]
passed = failed = 0


def ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low, high = (int(x) for x in f.read().split())
            return low, high
    except (OSError, ValueError):
        return 32768, 60999


def free_port():
    """
    A free port below the kernel's ephemeral range: the ports the kernel
    hands out by itself (bind to port 0, the source port of a connection:
    what every other test does) are never there, so no other test can take
    it between this choice and its use by the example.
    """
    low = ephemeral_range()[0]
    while True:
        port = random.randrange(10000, low if low > 11000 else 30000)
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()


if len(blocks) < 3:
    print("not ok - fewer than 3 runnable examples in docs/proto-ws.md")
    print("0 passed, 1 failed")
    sys.exit(1)

def run_block(block):
    """(ok, stdout, stderr, script): the block in a process group of its own, ended whatever happens"""
    tmp = tempfile.mkdtemp(prefix="afb-docpws-")
    os.symlink(BUILD, os.path.join(tmp, "build"))
    script = (block.replace("1235", str(free_port())).replace("2500", str(free_port()))
              .replace("/tmp/afb-ws", os.path.join(tmp, "ws")))
    # files, not pipes: the daemons of a block that failed keep its outputs open, bash does not wait for them
    with open(os.path.join(tmp, "out"), "w+") as fout, open(os.path.join(tmp, "err"), "w+") as ferr:
        p = subprocess.Popen(["bash", "-e", "-c", script], cwd=tmp, stdout=fout, stderr=ferr, text=True,
                             start_new_session=True)
        timed_out = ""
        try:
            p.wait(timeout=90)
        except subprocess.TimeoutExpired:
            timed_out = "timed out\n"
        finally:
            # a failed command leaves the daemons of the block running: end them all
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
        fout.seek(0)
        ferr.seek(0)
        out, err = fout.read(), timed_out + ferr.read()
    shutil.rmtree(tmp, ignore_errors=True)
    return p.returncode == 0 and '"ping":"pong"' in out, out, err, script


for i, block in enumerate(blocks):
    # another run of this test (another build) may choose the same port meanwhile: try again then
    for attempt in range(3):
        ok, out, err, script = run_block(block)
        if ok or "Address already in use" not in err:
            break
    if ok:
        passed += 1
        print("ok - example %d" % (i + 1))
    else:
        failed += 1
        print("not ok - example %d:\n%s\n--- stdout:\n%s\n--- stderr:\n%s" % (i + 1, script, out, err))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
