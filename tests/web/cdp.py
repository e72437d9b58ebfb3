# SPDX-License-Identifier: Apache-2.0
"""Headless Chromium driven through the DevTools protocol (CDP), with
python3-websockets: pages (tabs), JavaScript evaluation, waiting on
conditions, console errors, screenshots.

    async with Browser() as b:
        page = await b.open("http://127.0.0.1:PORT/demo/")
        await page.wait("document.readyState === 'complete'")
        value = await page.eval("1 + 1")
        await page.screenshot("demo.png")

Chromium is Debian's package (/usr/bin/chromium, scripts/packages.txt);
a missing browser is a failure, never a skip. Every browser started here
runs with a fresh profile in a temporary directory and is killed at exit.
"""
import asyncio
import base64
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time

import websockets

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1280,900",
                  "--remote-debugging-port=0", "--remote-allow-origins=*"]

ARTIFACTS = os.environ.get("AFB_TEST_ARTIFACTS") or os.path.join(tempfile.gettempdir(), "afb-web-artifacts")


def chromium_path():
    for p in (os.environ.get("AFB_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
              shutil.which("chromium-browser")):
        if p and os.access(p, os.X_OK):
            return p
    raise RuntimeError("Chromium is not installed: apt install chromium (scripts/packages.txt lists it)")


class JSError(Exception):
    pass


class Page:
    """One tab: a CDP session attached to its target."""

    def __init__(self, browser, target_id, session_id):
        self.browser = browser
        self.target_id = target_id
        self.session_id = session_id
        self.errors = []      # uncaught exceptions and console.error texts
        self.console = []     # every console message

    async def send(self, method, params=None, timeout=30):
        return await self.browser.send(method, params, self.session_id, timeout)

    def _on_event(self, method, params):
        if method == "Runtime.exceptionThrown":
            d = params["exceptionDetails"]
            text = d.get("exception", {}).get("description") or d.get("text", "")
            self.errors.append(text)
        elif method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            self.console.append((params.get("type"), text))
            if params.get("type") == "error":
                self.errors.append("console.error: " + text)

    async def eval(self, expression, timeout=30):
        """The value of 'expression' (promises awaited), or JSError."""
        r = await self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                  "returnByValue": True, "userGesture": True}, timeout)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise JSError(d.get("exception", {}).get("description") or d.get("text"))
        return r["result"].get("value")

    async def wait(self, expression, timeout=15, interval=0.05):
        """Waits until 'expression' is truthy; returns its value."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                last = await self.eval(expression)
                if last:
                    return last
            except JSError as e:
                last = e
            await asyncio.sleep(interval)
        raise TimeoutError("%s still false after %s s (last: %r)" % (expression, timeout, last))

    async def goto(self, url, ready="document.readyState === 'complete'"):
        await self.send("Page.navigate", {"url": url})
        await self.wait(ready)

    async def screenshot(self, name):
        """Saves a PNG of the page under ARTIFACTS; returns its path."""
        # a tab in the background is not painted: its capture would never come
        await self.send("Page.bringToFront")
        r = await self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False})
        os.makedirs(ARTIFACTS, exist_ok=True)
        path = os.path.join(ARTIFACTS, name)
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))
        return path

    async def close(self):
        await self.browser.send("Target.closeTarget", {"targetId": self.target_id})


class Browser:
    def __init__(self):
        self.proc = None
        self.ws = None
        self.profile = None
        self.ids = itertools.count(1)
        self.waiting = {}
        self.pages = {}
        self.reader = None

    async def __aenter__(self):
        await self.start()
        return self

    async def __aexit__(self, *exc):
        await self.stop()

    async def start(self):
        self.profile = tempfile.mkdtemp(prefix="afb-chromium-")
        self.log = open(os.path.join(self.profile, "chromium.log"), "w")
        self.proc = subprocess.Popen([chromium_path()] + CHROMIUM_FLAGS + ["--user-data-dir=" + self.profile,
                                                                         "about:blank"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        portfile = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + 60
        while time.time() < deadline:
            if os.path.exists(portfile):
                lines = open(portfile).read().split()
                if len(lines) >= 2:
                    break
            if self.proc.poll() is not None:
                raise RuntimeError("chromium exited: " + open(os.path.join(self.profile, "chromium.log")).read())
            await asyncio.sleep(0.1)
        else:
            raise RuntimeError("chromium did not start within 60 s")
        port, path = lines[0], lines[1]
        self.ws = await websockets.connect("ws://127.0.0.1:%s%s" % (port, path), max_size=None, ping_interval=None)
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self):
        try:
            async for text in self.ws:
                msg = json.loads(text)
                if "id" in msg:
                    fut = self.waiting.pop(msg["id"], None)
                    if fut and not fut.done():
                        fut.set_result(msg)
                else:
                    page = self.pages.get(msg.get("sessionId"))
                    if page and "method" in msg:
                        try:
                            page._on_event(msg["method"], msg.get("params", {}))
                        except Exception as e:  # a surprising event must not stop the reader
                            page.errors.append("cdp.py: %r on %s" % (e, msg.get("method")))
        except websockets.exceptions.ConnectionClosed:
            pass

    async def send(self, method, params=None, session_id=None, timeout=30):
        mid = next(self.ids)
        msg = {"id": mid, "method": method, "params": params or {}}
        if session_id:
            msg["sessionId"] = session_id
        fut = asyncio.get_running_loop().create_future()
        self.waiting[mid] = fut
        await self.ws.send(json.dumps(msg))
        r = await asyncio.wait_for(fut, timeout)
        if "error" in r:
            raise RuntimeError("%s: %s" % (method, r["error"]))
        return r.get("result", {})

    async def open(self, url="about:blank", ready="document.readyState === 'complete'"):
        """A new tab at 'url' (waits until 'ready' is true)."""
        t = await self.send("Target.createTarget", {"url": "about:blank"})
        s = await self.send("Target.attachToTarget", {"targetId": t["targetId"], "flatten": True})
        page = Page(self, t["targetId"], s["sessionId"])
        self.pages[s["sessionId"]] = page
        await page.send("Runtime.enable")
        await page.send("Page.enable")
        if url != "about:blank":
            await page.goto(url, ready)
        return page

    async def stop(self):
        if self.ws:
            await self.ws.close()
        if self.reader:
            self.reader.cancel()
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.profile:
            self.log.close()
            shutil.rmtree(self.profile, ignore_errors=True)
