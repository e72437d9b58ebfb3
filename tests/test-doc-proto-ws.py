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

for i, block in enumerate(blocks):
    tmp = tempfile.mkdtemp(prefix="afb-docpws-")
    os.symlink(BUILD, os.path.join(tmp, "build"))
    script = (block.replace("1235", str(free_port())).replace("2500", str(free_port()))
              .replace("/tmp/afb-ws", os.path.join(tmp, "ws")))
    env = dict(os.environ)
    try:
        r = subprocess.run(["bash", "-e", "-c", script], cwd=tmp, capture_output=True, text=True, timeout=60,
                           env=env)
        ok = r.returncode == 0 and '"ping":"pong"' in r.stdout
    except subprocess.TimeoutExpired as e:
        ok, r = False, e
    if ok:
        passed += 1
        print("ok - example %d" % (i + 1))
    else:
        failed += 1
        print("not ok - example %d:\n%s\n--- stdout:\n%s\n--- stderr:\n%s" % (i + 1, script, r.stdout, r.stderr))
    shutil.rmtree(tmp, ignore_errors=True)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
