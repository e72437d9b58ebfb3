#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The demo page of scripts/demo (docs/demo-www) in headless Chromium,
as scripts/demo runs the daemon: live hello events, tictactoe played
from two tabs with the moves arriving as events, auth login whose
renewed token carries over to the WebSocket after a reconnection, and
an upload with its progress bar."""
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "ws"))
sys.path.insert(0, HERE)
from wsutil import Daemon, binding, check, done, run, TOKEN  # noqa: E402
from cdp import Browser  # noqa: E402

WWW = os.path.join(HERE, "..", "..", "docs", "demo-www")
D = Daemon("--monitoring", "--roothttp", WWW, "--binding", binding("hello"), "--binding", binding("tictactoe"),
           "--binding", binding("post"), "--binding", binding("auth"))
URL = "http://127.0.0.1:%d/?token=%s" % (D.port, TOKEN)
CONNECTED = "document.getElementById('status').textContent === 'connected' && window.demoSubscribed === true"


def cell(i):
    return "document.querySelector('#board [data-index=\"%d\"]').textContent" % i


async def click(p, id):
    await p.eval("document.getElementById('%s').click(); true" % id)


async def t_demo():
    async with Browser() as b:
        one = await b.open(URL)
        two = await b.open(URL)
        for p in (one, two):
            await p.wait(CONNECTED)
        await one.wait("document.getElementById('session').textContent.length === 36")
        # hello: a broadcast from one window reaches both; a push reaches the subscribers (both)
        await click(one, "hello-broadcast")
        for p in (one, two):
            await p.wait("[...document.querySelectorAll('#hello-events li')].some(li => li.textContent.includes('hello/news'))")
        await click(two, "hello-push")
        for p in (one, two):
            await p.wait("[...document.querySelectorAll('#hello-events li')].some(li => li.textContent.includes('hello/demo {\"push\":1}'))")
        await click(one, "hello-ping")
        await one.wait("document.getElementById('hello-reply').textContent.includes('pong')")
        # tictactoe: one starts, two joins, the moves of each appear in the other as events
        await click(one, "ttt-new")
        board = await one.wait("(() => { const t = document.getElementById('ttt-state').textContent; return t.startsWith('board ') && t; })()")
        boardid = board.split()[1].rstrip(",")
        await two.eval("document.getElementById('ttt-join-id').value = '%s'; document.getElementById('ttt-join').click(); true" % boardid)
        await two.wait("document.getElementById('ttt-state').textContent.startsWith('board %s,')" % boardid)
        await one.eval("document.querySelector('#board [data-index=\"4\"]').click(); true")
        check(await two.wait(cell(4) + " === 'X'"))
        await two.eval("document.querySelector('#board [data-index=\"0\"]').click(); true")
        check(await one.wait(cell(0) + " === 'O'"))
        check("X to play" in await one.wait("document.getElementById('ttt-state').textContent"))
        # auth: login renews the token; it is used by the next calls and by the reconnection
        before = await one.eval("window.demo.afb.token")
        await click(one, "auth-login")
        await one.wait("document.getElementById('auth-reply').textContent.includes('\"token\"')")
        after = await one.eval("window.demo.afb.token")
        check(after and after != before, (before, after))
        check(await one.eval("document.getElementById('token').textContent") == after)
        await click(one, "auth-check")
        await one.wait("document.getElementById('auth-reply').textContent.includes('\"status\": \"success\"')")
        opens = await one.eval("window.demo.afb.socket.url")
        await click(one, "reconnect")
        await one.wait("window.demo.afb.socket && window.demo.afb.socket.url !== %r && window.demo.afb.state === 'open'" % opens)
        check(("x-afb-token=" + after) in await one.eval("window.demo.afb.socket.url"))
        await one.eval("document.getElementById('auth-reply').textContent = ''; true")
        await click(one, "auth-check")
        await one.wait("document.getElementById('auth-reply').textContent.includes('\"status\": \"success\"')")
        # post: an upload of 3 MB, the progress bar ends at 100 %
        path = os.path.join(tempfile.mkdtemp(prefix="afb-web-upload-"), "upload.bin")
        with open(path, "wb") as f:
            f.write(os.urandom(3 << 20))
        node = await one.send("Runtime.evaluate", {"expression": "document.getElementById('file')"})
        await one.send("DOM.setFileInputFiles", {"objectId": node["result"]["objectId"], "files": [path]})
        await click(one, "upload")
        reply = await one.wait("(() => { const t = document.getElementById('post-reply').textContent; return t.includes('size') && t; })()", timeout=60)
        check(str(3 << 20) in reply and "upload.bin" in reply, reply)
        check(await one.eval("document.getElementById('progress').value") == 100)
        await one.eval("window.scrollTo(0, 0); true")
        await one.screenshot("demo.png")
        await two.screenshot("demo-second-window.png")
        check(not one.errors and not two.errors, (one.errors, two.errors))


run("demo", t_demo, timeout=300)
D.stop()
done()
