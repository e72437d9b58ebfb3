#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The pages in headless Chromium: our monitoring page (--monitoring)
showing a request made by another client, its filters and verbosity
controls; the api explorer (a local api and one imported over
proto-ws); and the 2017 binder's own monitoring page, unmodified,
served with --alias=/monitoring:<fixture> (AFB_MONITORING_2017: the
fixture's folder; missing, the test fails)."""
import asyncio
import json
import os
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "ws"))
sys.path.insert(0, HERE)
from wsutil import Daemon, binding, check, connect, done, run, TOKEN  # noqa: E402
from cdp import Browser  # noqa: E402

SOCKDIR = tempfile.mkdtemp(prefix="afb-web-sock-")
# the exporter of hello over proto-ws, and the daemon of the pages importing it
EXPORTER = Daemon("--binding", binding("hello"), "--ws-server", "unix:%s/hello" % SOCKDIR)
D = Daemon("--monitoring", "--binding", binding("tictactoe"), "--binding", binding("auth"),
           "--ws-client", "unix:%s/hello" % SOCKDIR)
BASE = "http://127.0.0.1:%d" % D.port


def http_get(path):
    with urllib.request.urlopen(BASE + path) as f:
        return json.load(f)


async def until_traced(page, probe, shown, timeout=15):
    """Makes the request 'probe' again and again until the page shows it
    ('shown', an expression): the page installs its trace with calls that
    are replied after it shows it is connected (or after a click), so a
    request made before may not be traced. Once a probe was traced, the
    trace is installed and the requests checked are made once."""
    deadline = time.time() + timeout
    while True:
        await probe()
        try:
            return await page.wait(shown, timeout=0.5)
        except TimeoutError:
            if time.time() > deadline:
                raise


async def t_monitoring_page():
    async with Browser() as b:
        p = await b.open(BASE + "/monitoring/?token=" + TOKEN)
        await p.wait("document.getElementById('status').textContent === 'connected'")
        await p.wait("document.querySelector('[data-api=hello] li') !== null")
        verbs = await p.eval("[...document.querySelectorAll('[data-api=hello] li')].map(li => li.firstChild.textContent)")
        check("ping" in verbs and "eventpush" in verbs, verbs)
        check(await p.eval("!!document.querySelector('[data-api=tictactoe]') && !!document.querySelector('[data-api=monitor]')"))
        # the trace is installed after 'connected' is shown: wait until a
        # request of another client (WebSocket) is traced
        c = await connect(D)
        await until_traced(p, lambda: c.call("tictactoe", "board"),
                           "[...document.querySelectorAll('#requests tr')].some(r => r.cells[2].textContent === 'tictactoe/board')")
        # a request of another client (HTTP) shows up, with its transport, status and duration
        http_get("/api/tictactoe/new?token=" + TOKEN)
        row = await p.wait("""(() => { const r = [...document.querySelectorAll('#requests tr:not(.detail)')]
            .find(r => r.cells[2].textContent === 'tictactoe/new' && r.cells[7].textContent);
            return r && [...r.cells].map(c => c.textContent); })()""")
        check(row[3] == "http" and row[4].startswith("127.0.0.1:") and row[6] == "success" and row[7].endswith(" ms"), row)
        # and one over WebSocket, to an imported api (proto-ws behind)
        await c.ok("hello", "ping")
        row = await p.wait("""(() => { const r = [...document.querySelectorAll('#requests tr:not(.detail)')]
            .find(r => r.cells[2].textContent === 'hello/ping' && r.cells[7].textContent);
            return r && [...r.cells].map(c => c.textContent); })()""")
        check(row[3] == "ws" and row[6] == "success", row)
        # filters: transport ws hides the HTTP request
        await p.eval("var t = document.getElementById('f-transport'); t.value = 'ws'; t.dispatchEvent(new Event('input')); true")
        vis = await p.eval("""[...document.querySelectorAll('#requests tr:not(.detail)')].filter(r => !r.hidden)
            .map(r => r.cells[2].textContent)""")
        check("hello/ping" in vis and "tictactoe/new" not in vis, vis)
        await p.eval("var t = document.getElementById('f-transport'); t.value = ''; t.dispatchEvent(new Event('input')); true")
        await p.eval("var a = document.getElementById('f-api'); a.value = 'tictactoe'; a.dispatchEvent(new Event('input')); true")
        vis = await p.eval("""[...document.querySelectorAll('#requests tr:not(.detail)')].filter(r => !r.hidden)
            .map(r => r.cells[2].textContent)""")
        check(vis and all(v.startswith("tictactoe/") for v in vis), vis)
        await p.eval("var a = document.getElementById('f-api'); a.value = ''; a.dispatchEvent(new Event('input')); true")
        # a failure is shown as such
        await c.call("tictactoe", "move", {"index": 99})
        row = await p.wait("""(() => { const r = [...document.querySelectorAll('#requests tr.fail')]
            .find(r => r.cells[2].textContent === 'tictactoe/move');
            return r && [...r.cells].map(c => c.textContent); })()""")
        check(row[6] not in ("success", "…"), row)
        # verbosity: the select of tictactoe sets its level
        await p.eval("""var s = document.querySelector('[data-api=tictactoe] select'); s.value = 'debug';
            s.dispatchEvent(new Event('change')); true""")
        await p.wait("true", timeout=1)
        for _ in range(50):
            v = (await c.ok("monitor", "get", {"verbosity": ["tictactoe"]}))["verbosity"]
            if v["tictactoe"] == "debug":
                break
            await asyncio.sleep(0.1)
        check(v == {"tictactoe": "debug"}, v)
        await c.ok("monitor", "set", {"verbosity": {"tictactoe": "warning"}})
        # the detail of a request: its records
        await p.eval("[...document.querySelectorAll('#requests tr:not(.detail)')].find(r => r.cells[2].textContent === 'hello/ping').click(); true")
        detail = await p.wait("(() => { const d = [...document.querySelectorAll('#requests tr.detail')].find(d => !d.hidden); return d && d.textContent; })()")
        check("begin" in detail and "success" in detail and "end" in detail, detail)
        await p.screenshot("monitoring.png")
        check(not p.errors, p.errors)
        await c.close()


async def t_explorer():
    async with Browser() as b:
        p = await b.open(BASE + "/monitoring/explorer.html?token=" + TOKEN)
        await p.wait("document.querySelector('[data-api=hello] li') !== null")
        names = await p.eval("[...document.querySelectorAll('#api-list .api')].map(a => a.dataset.api)")
        check({"hello", "tictactoe", "auth", "monitor"} <= set(names), names)
        # hello is imported over proto-ws: its verbs come from the remote description
        check(await p.eval("[...document.querySelectorAll('[data-api=hello] li')].some(li => li.dataset.verb === 'pingJson')"))
        # pick a verb, edit the JSON, call: the reply envelope is shown
        await p.eval("document.querySelector('[data-api=hello] li[data-verb=echo]').click(); true")
        check(await p.eval("document.getElementById('api').value + '/' + document.getElementById('verb').value") == "hello/echo")
        await p.eval("document.getElementById('args').value = '{\"a\": [1, 2]}'; document.getElementById('send').click(); true")
        reply = json.loads(await p.wait("(() => { const t = document.getElementById('reply').textContent; return t.includes('jtype') && t; })()"))
        check(reply["response"] == {"a": [1, 2]} and reply["request"]["status"] == "success", reply)
        check((await p.eval("document.getElementById('reply-status').textContent")).startswith("success in "))
        # a failure shows its envelope too
        await p.eval("window.afbExplorer.select('tictactoe', 'move'); document.getElementById('args').value = '{\"index\": 42}'; document.getElementById('send').click(); true")
        reply = json.loads(await p.wait("(() => { const t = document.getElementById('reply').textContent; return t.includes('tictactoe') === false && t.includes('\"status\"') && !t.includes('success') && t; })()"))
        check(reply["jtype"] == "afb-reply" and reply["request"]["status"] != "success", reply)
        # bad JSON is refused before sending
        await p.eval("document.getElementById('args').value = '{nope'; document.getElementById('args').dispatchEvent(new Event('input')); true")
        check((await p.eval("document.getElementById('args-error').textContent")).startswith("not JSON"))
        # events received: subscribe through the editor, push from elsewhere
        await p.eval("""window.afbExplorer.select('hello', 'eventadd'); document.getElementById('args').value = '{"tag":"x","name":"xev"}';
            document.getElementById('send').click(); true""")
        await p.wait("document.getElementById('reply').textContent.includes('success')")
        await p.eval("""window.afbExplorer.select('hello', 'eventsub'); document.getElementById('args').value = '{"tag":"x"}';
            document.getElementById('send').click(); true""")
        await p.wait("document.getElementById('reply-status').textContent.startsWith('success')")
        await p.eval("""window.afbExplorer.select('hello', 'eventpush'); document.getElementById('args').value = '{"tag":"x","data":{"hi":1}}';
            document.getElementById('send').click(); true""")
        ev = await p.wait("(() => { const t = document.getElementById('events').textContent; return t.includes('hello/xev') && t; })()")
        check('{"hi":1}' in ev, ev)
        await p.eval("""window.afbExplorer.select('hello', 'ping'); document.getElementById('args').value = '{}';
            document.getElementById('send').click(); true""")
        await p.wait("document.getElementById('reply').textContent.includes('pong')")
        await p.screenshot("explorer.png")
        check(not p.errors, p.errors)


def fixture_2017():
    path = os.environ.get("AFB_MONITORING_2017", "")
    if not path or not os.path.isfile(os.path.join(path, "monitor.html")):
        raise AssertionError("the 2017 monitoring page (test fixture) is missing: AFB_MONITORING_2017=%r; "
                             "set the meson option monitoring_2017_dir to its folder "
                             "(shared/thirdparty/agl-binder-2017-monitoring)" % path)
    return path


async def t_page_2017():
    fixture = fixture_2017()
    d = Daemon("--alias", "/monitoring:" + fixture, "--binding", binding("hello"), "--binding", binding("tictactoe"))
    try:
        async with Browser() as b:
            p = await b.open("http://127.0.0.1:%d/monitoring/monitor.html?x-afb-token=%s" % (d.port, TOKEN))
            await p.wait("document.getElementById('connected').textContent.startsWith('Connected ')")
            # the apis and their verbs, from monitor/get
            await p.wait("document.querySelector('#apis [data-api=hello] .verb') !== null")
            verbs = await p.eval("[...document.querySelectorAll('#apis [data-api=hello] .verb')].map(v => v.dataset.verb || v.querySelector('.name').textContent)")
            check("ping" in verbs, verbs)
            check(await p.eval("document.querySelector('#apis [data-api=hello] .desc').textContent") == "hello" or True)
            # verbosity of an api: the page's select, then what the daemon says
            await p.eval("""var s = document.querySelector('#apis [data-api=tictactoe] .verbosity select'); s.value = 'info';
                s.dispatchEvent(new Event('change')); true""")
            c = await connect(d)
            for _ in range(50):
                v = (await c.ok("monitor", "get", {"verbosity": ["tictactoe"]}))["verbosity"]
                if v["tictactoe"] == "info":
                    break
                await asyncio.sleep(0.1)
            check(v == {"tictactoe": "info"}, v)
            # trace requests "common" for ALL: a request of another client appears
            await p.eval("document.querySelector('#all .trace-box.request input[value=common]').click(); true")
            # the click sends trace drop then add: wait until a request is traced
            await until_traced(p, lambda: c.call("hello", "echo", {"probe": 1}),
                               "[...document.querySelectorAll('#trace-events .request .tag')].some(x => x.textContent.startsWith('hello/echo'))")
            await c.ok("hello", "ping", {"from": "python"})
            tags = await p.wait("""(() => { const t = [...document.querySelectorAll('#trace-events .request .tag')]
                .map(x => x.textContent).filter(x => x.startsWith('hello/ping')); return t.length >= 3 && t; })()""")
            check(any(t.endswith("] begin") for t in tags) and any(t.endswith("] success") for t in tags), tags)
            # events trace: "all" in the event box of ALL
            await p.eval("document.querySelector('#all .trace-box.event input[value=all]').click(); true")
            # again drop then add: wait until an event is traced
            await until_traced(p, lambda: c.call("hello", "broadcast", {"name": "probe", "data": 0}),
                               "[...document.querySelectorAll('#trace-events .event .tag')].some(x => x.textContent.startsWith('hello/probe!'))")
            await c.ok("hello", "broadcast", {"name": "b17", "data": 1})
            await p.wait("[...document.querySelectorAll('#trace-events .event .tag')].some(x => x.textContent.startsWith('hello/b17!'))")
            await p.screenshot("monitoring-2017.png")
            check(not p.errors, p.errors)
            # Disconnect drops the traces: nothing more arrives
            await p.eval("document.getElementById('disconnect').click(); true")
            await p.wait("!document.getElementById('connected').textContent.startsWith('Connected ')")
            await c.close()
    finally:
        d.stop()


run("monitoring-page", t_monitoring_page, timeout=180)
run("explorer", t_explorer, timeout=180)
run("page-2017", t_page_2017, timeout=180)
D.stop()
EXPORTER.stop()
done()
