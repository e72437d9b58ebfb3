#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""
Running under systemd, checked without a service manager:
  - `meson install` puts the units, the sysusers.d file, the bus policy,
    the interfaces, the man pages and the configuration where they go, with
    the paths of the build in the units;
  - `systemd-analyze verify` accepts every unit, `systemd-analyze security
    --offline=yes` rates the system services <= 2.5, the user unit
    hardened; systemd-sysusers accepts the sysusers.d file;
  - sd_notify: READY=1 with STATUS=, WATCHDOG=1 from the loop when
    WATCHDOG_USEC asks, STOPPING=1 on SIGTERM (Type=notify);
  - socket activation of the HTTP port (--port=sd:NAME) played by
    systemd-socket-activate, and the command line of
    afb-daemon-http.service run that way.
usage: test-systemd.py BUILD_DIR     (env: AFB_DAEMON, AFB_BINDINGS_DIR)
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

BUILD = sys.argv[1]
DAEMON = os.environ["AFB_DAEMON"]
HELLO = os.path.join(os.environ["AFB_BINDINGS_DIR"], "hello.so")
TMP = tempfile.mkdtemp(prefix="afb-systemd-")
DEST = os.path.join(TMP, "dest")
results = {"passed": 0, "failed": 0}
procs = []


class Failed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failed(what)


def run(name, fn):
    only = os.environ.get("AFBT_ONLY")
    if only and only not in name:
        return
    try:
        fn()
        results["passed"] += 1
        print("ok %s" % name, flush=True)
    except Exception:
        results["failed"] += 1
        print("FAIL %s\n%s" % (name, traceback.format_exc()), flush=True)


def sh(*cmd, env=None, check_rc=True):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    if check_rc and p.returncode != 0:
        raise Failed("%s: exit %d\n%s%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def options():
    out = sh("meson", "introspect", BUILD, "--buildoptions").stdout
    return {o["name"]: o["value"] for o in json.loads(out)}


OPT = options()
PREFIX = OPT["prefix"]


def dest(path):
    return DEST + path


def installed_units():
    """the unit files installed, by directory kind"""
    sysdir = [d for d in (OPT["systemdsystemunitdir"], PREFIX + "/lib/systemd/system", "/lib/systemd/system") if d]
    found = {}
    for root, _, files in os.walk(DEST):
        for f in files:
            if f.endswith((".service", ".socket")):
                found[f] = os.path.join(root, f)
    return found


# ---------------------------------------------------------------- install

def t_install():
    sh("meson", "install", "-C", BUILD, "--destdir", DEST, "--quiet")
    units = installed_units()
    for name in ("afb-daemon@.service", "afb-daemon-http.service", "afb-daemon-http.socket",
                 "afb-daemon-ws@.service", "afb-daemon-ws@.socket", "afb-daemon-user@.service"):
        check(name in units, "%s is not installed (%s)" % (name, sorted(units)))
    check("/lib/systemd/user/" in units["afb-daemon-user@.service"], units["afb-daemon-user@.service"])
    check("/lib/systemd/system/" in units["afb-daemon@.service"], units["afb-daemon@.service"])
    sysusers = [os.path.join(r, f) for r, _, fs in os.walk(DEST) for f in fs if r.endswith("sysusers.d")]
    check(len(sysusers) == 1 and sysusers[0].endswith("afb-daemon.conf"), sysusers)
    share = dest(PREFIX + "/share")
    for f in ("dbus-1/interfaces/org.afb.Api1.xml", "dbus-1/interfaces/org.afb.Link1.xml",
              "dbus-1/system.d/org.afb.api.conf", "man/man1/afb-daemon.1", "man/man1/afb-client.1"):
        check(os.path.isfile(os.path.join(share, f)), "not installed: " + f)
    # the paths in the units are those of the build
    bindingdir = PREFIX + "/" + OPT["libdir"] + "/afb"
    text = open(units["afb-daemon@.service"]).read()
    m = re.search(r"ExecStart=(\S+)", text)
    check(m and os.access(dest(m.group(1)), os.X_OK), "ExecStart %s is not the installed daemon" % (m and m.group(1)))
    check("--binding=%s/%%i.so" % bindingdir in text, "the unit does not load from %s" % bindingdir)
    check(os.path.isfile(dest(bindingdir + "/hello.so")), "hello.so is not in " + bindingdir)
    conf = json.load(open(dest(os.path.join(PREFIX, OPT["sysconfdir"], "afb-daemon/http.json"))
                          if not OPT["sysconfdir"].startswith("/") else dest(OPT["sysconfdir"] + "/afb-daemon/http.json")))
    check(conf["ldpaths"] == [bindingdir], conf)


def unit_copies():
    """copies of the installed units whose paths point into DEST, templates instantiated as @hello"""
    out = os.path.join(TMP, "units")
    os.makedirs(out, exist_ok=True)
    copies = {}
    for name, path in installed_units().items():
        text = open(path).read().replace("=" + PREFIX + "/", "=" + DEST + PREFIX + "/")
        inst = name.replace("@.", "@hello.")
        with open(os.path.join(out, inst), "w") as f:
            f.write(text)
        copies[inst] = os.path.join(out, inst)
    return copies


def t_verify():
    copies = unit_copies()
    system = [p for n, p in copies.items() if not n.startswith("afb-daemon-user")]
    p = sh("systemd-analyze", "verify", "--man=no", *system, check_rc=False)
    check(p.returncode == 0 and not p.stderr.strip(), "systemd-analyze verify:\n" + p.stdout + p.stderr)
    xdg = os.path.join(TMP, "xdg")
    os.makedirs(xdg, mode=0o700, exist_ok=True)
    env = dict(os.environ, XDG_RUNTIME_DIR=xdg)
    p = sh("systemd-analyze", "verify", "--user", "--man=no", copies["afb-daemon-user@hello.service"], env=env,
           check_rc=False)
    check(p.returncode == 0 and not p.stderr.strip(), "systemd-analyze verify --user:\n" + p.stdout + p.stderr)
    sysusers = [os.path.join(r, f) for r, _, fs in os.walk(DEST) for f in fs if r.endswith("sysusers.d")][0]
    root = os.path.join(TMP, "root")
    os.makedirs(root, exist_ok=True)
    p = sh("systemd-sysusers", "--dry-run", "--root=" + root, sysusers)
    check("user 'afb'" in p.stdout + p.stderr, p.stdout + p.stderr)


def exposure(path, user=False):
    env = dict(os.environ, XDG_RUNTIME_DIR=os.path.join(TMP, "xdg"))
    args = ["systemd-analyze", "security", "--offline=yes"] + (["--user"] if user else []) + [path]
    p = sh(*args, env=env, check_rc=False)
    m = re.search(r"Overall exposure level for \S+: ([0-9.]+)", p.stdout)
    check(m, "no exposure level:\n" + p.stdout + p.stderr)
    return float(m.group(1))


def t_security():
    copies = unit_copies()
    for name, path in sorted(copies.items()):
        if not name.endswith(".service"):
            continue
        if name.startswith("afb-daemon-user"):
            level = exposure(path, user=True)
            print("# %s: exposure %.1f" % (name, level))
            # unhardened, it rates 9.8; what a user manager can apply brings it to about 6
            check(level <= 6.5, "%s: exposure %.1f" % (name, level))
        else:
            level = exposure(path)
            print("# %s: exposure %.1f" % (name, level))
            check(level <= 2.5, "%s: exposure %.1f > 2.5" % (name, level))


# ---------------------------------------------------------------- sd_notify

class Notify:
    """the service manager's end of NOTIFY_SOCKET"""

    def __init__(self):
        self.path = os.path.join(TMP, "notify-%d" % len(procs))
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.messages = []

    def wait(self, pred, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if pred(self.messages):
                return True
            self.sock.settimeout(max(0.01, deadline - time.time()))
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except socket.timeout:
                pass
        return pred(self.messages)

    def count(self, text):
        return sum(1 for m in self.messages for line in m.split("\n") if line == text)


def activate(port):
    """systemd-socket-activate on 127.0.0.1:port as "http"; it passes on only the variables named by -E"""
    cmd = ["systemd-socket-activate", "-l", "127.0.0.1:%d" % port, "--fdname=http"]
    for name in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        cmd += ["-E", name]
    return cmd


def start(args, env_extra, wrapper=()):
    env = dict(os.environ, **env_extra)
    log = open(os.path.join(TMP, "daemon-%d.log" % len(procs)), "w+")
    p = subprocess.Popen(list(wrapper) + [DAEMON] + args, stdout=log, stderr=subprocess.STDOUT, env=env)
    procs.append((p, log))
    return p, log


def stop(p, log):
    p.send_signal(signal.SIGTERM)
    rc = p.wait(timeout=20)
    log.seek(0)
    text = log.read()
    check(rc == 0, "exit status %d:\n%s" % (rc, text))
    for bad in ("Sanitizer", "runtime error:"):
        check(bad not in text, text)
    return text


def t_notify():
    n = Notify()
    wd = os.path.join(TMP, "wd-notify")
    p, log = start(["--port", "0", "--interface", "127.0.0.1", "--workdir", wd, "--binding", HELLO],
                   {"NOTIFY_SOCKET": n.path, "WATCHDOG_USEC": "200000"})
    check(n.wait(lambda ms: any("READY=1" in m for m in ms)), "no READY=1: %r" % n.messages)
    ready = [m for m in n.messages if "READY=1" in m][0]
    check(re.search(r"STATUS=serving \d+ apis on HTTP port \d+", ready), ready)
    # the loop pings at half the interval: 100 ms
    check(n.wait(lambda ms: n.count("WATCHDOG=1") >= 4, 5), "WATCHDOG=1 %d times" % n.count("WATCHDOG=1"))
    p.send_signal(signal.SIGTERM)
    check(n.wait(lambda ms: any("STOPPING=1" in m for m in ms)), "no STOPPING=1: %r" % n.messages[-3:])
    stop(p, log)
    # no watchdog asked: no ping
    n2 = Notify()
    p, log = start(["--no-httpd", "--workdir", wd, "--binding", HELLO], {"NOTIFY_SOCKET": n2.path})
    check(n2.wait(lambda ms: any("READY=1" in m for m in ms)), "no READY=1")
    check(re.search(r"STATUS=serving \d+ apis \(no HTTP\)", " ".join(n2.messages)), n2.messages)
    time.sleep(0.3)
    n2.wait(lambda ms: False, 0.2)
    check(n2.count("WATCHDOG=1") == 0, "unasked WATCHDOG=1")
    stop(p, log)


# ---------------------------------------------------------- socket activation

def get(url):
    return json.loads(urllib.request.urlopen(url, timeout=10).read())


def wait_get(url, timeout=10):
    deadline = time.time() + timeout
    while True:
        try:
            return get(url)
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.05)


def t_socket_activation():
    port = free_port()
    wd = os.path.join(TMP, "wd-sa")
    p, log = start(["--port=sd:http", "--binding", HELLO, "--workdir", wd],
                   {}, wrapper=activate(port))
    # the first connection starts the daemon, which serves it on the passed socket
    env = wait_get("http://127.0.0.1:%d/api/hello/ping" % port)
    check(env["response"] == {"ping": "pong"}, env)
    text = stop(p, log)
    check("socket passed by systemd" in text, text)
    # a name that systemd did not pass
    port = free_port()
    p, log = start(["--port=sd:other", "--binding", HELLO, "--workdir", wd],
                   {}, wrapper=activate(port))
    # connect once it listens: the connection starts the daemon
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
            break
        except OSError:
            time.sleep(0.05)
    rc = p.wait(timeout=20)
    log.seek(0)
    text = log.read()
    check(rc == 1 and "no socket named other" in text, (rc, text))


def t_http_unit_command():
    """the ExecStart of the installed afb-daemon-http.service, under systemd-socket-activate"""
    units = installed_units()
    text = open(units["afb-daemon-http.service"]).read().replace("\\\n", " ")
    m = re.search(r"^ExecStart=(.*)$", text, re.M)
    args = m.group(1).split()
    check(args[0].endswith("/afb-daemon"), args)
    check("--port=sd:http" in args, args)
    sock = open(units["afb-daemon-http.socket"]).read()
    check("FileDescriptorName=http" in sock and re.search(r"^ListenStream=1234$", sock, re.M), sock)
    # the configuration, with its paths in DEST, the directories in TMP
    conf_arg = [a for a in args if a.startswith("--config=")][0]
    conf = json.load(open(dest(conf_arg[9:])))
    conf["ldpaths"] = [dest(d) for d in conf["ldpaths"]]
    confpath = os.path.join(TMP, "http.json")
    with open(confpath, "w") as f:
        json.dump(conf, f)
    wd = os.path.join(TMP, "wd-http")
    args = ["--config=" + confpath] + [a for a in args[1:] if not a.startswith(("--config=", "--workdir=", "--uploaddir="))]
    args += ["--workdir=" + wd, "--uploaddir=" + wd]
    port = free_port()
    n = Notify()
    p, log = start(args, {"NOTIFY_SOCKET": n.path, "WATCHDOG_USEC": "30000000"},
                   wrapper=activate(port))
    env = wait_get("http://127.0.0.1:%d/api/hello/ping" % port)
    check(env["response"] == {"ping": "pong"}, env)
    # every installed sample is served
    env = get("http://127.0.0.1:%d/api/tictactoe/board" % port)
    check(env["request"]["status"] == "success", env)
    check(n.wait(lambda ms: any("READY=1" in m for m in ms)), n.messages)
    stop(p, log)


run("install", t_install)
run("verify", t_verify)
run("security", t_security)
run("notify", t_notify)
run("socket-activation", t_socket_activation)
run("http-unit-command", t_http_unit_command)
for p, log in procs:
    if p.poll() is None:
        p.kill()
        p.wait()
shutil.rmtree(TMP, ignore_errors=True)
print("%d passed, %d failed" % (results["passed"], results["failed"]))
sys.exit(0 if results["failed"] == 0 and results["passed"] > 0 else 1)
