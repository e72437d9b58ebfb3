#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""
scripts/demo, as a new user runs it: without a session bus, it must print
the export line of its private bus before the D-Bus commands, no
placeholder, and every command it prints must work when pasted, in order,
into one shell.
usage: test-demo.py SOURCE_ROOT BUILD_DIR
"""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

SRC, BUILD = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="afb-demo-")


def fail(msg):
    print("not ok - demo: %s" % msg)
    print("0 passed, 1 failed")
    sys.exit(1)


s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()

env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
env.update(AFB_DEMO_NO_BUILD="1", AFB_DEMO_BUILD=BUILD, AFB_DEMO_PORT=str(port),
           AFB_DEMO_JAR=os.path.join(TMP, "jar.txt"), XDG_RUNTIME_DIR=TMP)
log = open(os.path.join(TMP, "demo.log"), "w+")
p = subprocess.Popen([os.path.join(SRC, "scripts/demo")], stdout=log, stderr=subprocess.STDOUT, env=env,
                     start_new_session=True)


def output():
    log.seek(0)
    return log.read()


def stop():
    if p.poll() is None:
        os.killpg(p.pid, signal.SIGTERM)
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


try:
    deadline = time.time() + 60
    while "serving HTTP on port" not in output():
        if p.poll() is not None or time.time() > deadline:
            fail("the demo did not start:\n" + output())
        time.sleep(0.1)
    text = output()
    check_lines = text.splitlines()
    if "NEW-TOKEN" in text or "PLACEHOLDER" in text.upper():
        fail("a placeholder in the printed commands:\n" + text)
    commands = [line.strip() for line in check_lines
                if re.match(r"\s+(curl|NEW=|busctl|export |echo |/\S*afb-client)", line)]
    exports = [i for i, c in enumerate(commands) if c.startswith("export DBUS_SESSION_BUS_ADDRESS=")]
    busctl = [i for i, c in enumerate(commands) if c.startswith("busctl")]
    if not busctl:
        fail("no D-Bus command printed:\n" + text)
    if not exports or exports[0] > busctl[0]:
        fail("the export line of the private bus does not come before the D-Bus commands:\n" + text)
    if len(commands) < 12:
        fail("too few commands found:\n" + text)
    # every command, verbatim, in one shell, in the printed order
    script = "set -e\n" + "\n".join(c + " >>%s/out.txt 2>&1; echo >>%s/out.txt" % (TMP, TMP) for c in commands)
    r = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120,
                       env={k: v for k, v in env.items() if not k.startswith("AFB_DEMO")})
    out = open(os.path.join(TMP, "out.txt")).read()
    if r.returncode != 0:
        fail("a printed command failed (exit %d):\n%s\n--- output:\n%s%s" % (r.returncode, script, out, r.stderr))
    for expect in ('"ping":"pong"', '"status":"success"', "org.afb.api.hello", '"jtype"'):
        if expect not in out:
            fail("no %s in the outputs:\n%s" % (expect, out))
    if out.count('"status":"success"') < 8:
        fail("fewer successes than commands:\n" + out)
    if '"status":"denied"' in out or '"status":"invalid-token"' in out:
        fail("the auth commands were refused:\n" + out)
    print("ok - demo: %d printed commands work, the export line comes first" % len(commands))
finally:
    stop()
log.close()
print("1 passed, 0 failed")
