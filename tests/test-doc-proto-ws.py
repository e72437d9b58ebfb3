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


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


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
    p = subprocess.Popen(["bash", "-e", "-c", script], cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, start_new_session=True)
    try:
        out, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        out, err = "", "timed out"
    finally:
        # a failed command leaves the daemons of the block running: end them all
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if p.poll() is None:
            out2, err2 = p.communicate()
            out, err = out + out2, err + err2
    shutil.rmtree(tmp, ignore_errors=True)
    return p.returncode == 0 and '"ping":"pong"' in out, out, err, script


for i, block in enumerate(blocks):
    # a free port can be taken by another test between its choice and its use: try again then
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
