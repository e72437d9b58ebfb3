#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""AFB.js (the 2017 API) and afb.mjs in headless Chromium against a
daemon: calls, failures, events, token renewal, pending calls rejected
on close, reconnection with the session and its subscriptions."""
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "ws"))
sys.path.insert(0, HERE)
from wsutil import Daemon, binding, check, done, run, TOKEN  # noqa: E402
from cdp import Browser  # noqa: E402

PAGES = tempfile.mkdtemp(prefix="afb-web-pages-")
with open(os.path.join(PAGES, "afbjs.html"), "w") as f:
    f.write('<!DOCTYPE html><html><head><meta charset="utf-8"><title>AFB.js</title>'
            '<script src="/afb/AFB.js"></script></head><body><h1>AFB.js test page</h1>'
            '<pre id="out"></pre></body></html>')
with open(os.path.join(PAGES, "mjs.html"), "w") as f:
    f.write('<!DOCTYPE html><html><head><meta charset="utf-8"><title>afb.mjs</title>'
            '<script type="module">import { Afb, AfbError } from "/afb/afb.mjs";'
            'window.Afb = Afb; window.AfbError = AfbError; window.ready = true;</script>'
            '</head><body><h1>afb.mjs test page</h1></body></html>')

D = Daemon("--binding", binding("hello"), "--binding", binding("auth"), "--alias", "/t:" + PAGES)
BASE = "http://127.0.0.1:%d" % D.port

OPEN_AFBJS = """new Promise((resolve, reject) => {
    window.afb = new AFB("api", "%s");
    window.calls = [];
    window.w = new afb.ws(() => resolve(true), () => reject(new Error("aborted")));
})"""


async def t_afbjs():
    async with Browser() as b:
        p = await b.open(BASE + "/t/afbjs.html")
        check(await p.eval("typeof AFB") == "function")
        check(await p.eval(OPEN_AFBJS % TOKEN))
        check(await p.eval("w.url") == "ws://127.0.0.1:%d/api?x-afb-token=%s" % (D.port, TOKEN))
        # public fields of the 2017 object
        check(await p.eval("['ws','url','pendings','awaitens','counter'].every(k => k in w)"))
        # a call resolves with the whole afb-reply
        r = await p.eval("w.call('hello/ping', {x: 1})")
        check(r["jtype"] == "afb-reply" and r["response"] == {"ping": "pong"} and r["request"]["status"] == "success", r)
        # a failure rejects with the reply
        r = await p.eval("w.call('hello/pingfail', {}).then(() => 'resolved', (e) => e)")
        check(r["request"]["status"] == "failed", r)
        r = await p.eval("w.call('nosuch/verb', {}).then(() => 'resolved', (e) => e)")
        check(r["request"]["status"] == "unknown-api", r)
        # ids: "1", "2"... as strings
        check(await p.eval("w.counter") == 3)
        # events: exact name, then the api name, then "*", with the whole event object
        await p.eval("""window.got = [];
            w.onevent('hello/ev', (e) => got.push(['exact', e.event, e.data]));
            w.onevent('hello', (e) => got.push(['api', e.event]));
            w.onevent('*', (e) => got.push(['any', e.jtype]));
            w.onevent('hello/other', (e) => got.push(['other']));""")
        await p.eval("w.call('hello/eventadd', {tag: 't', name: 'ev'})")
        await p.eval("w.call('hello/eventsub', {tag: 't'})")
        await p.eval("w.call('hello/eventpush', {tag: 't', data: {n: 1}})")
        got = await p.wait("got.length >= 3 && got")
        check(got == [["exact", "hello/ev", {"n": 1}], ["api", "hello/ev"], ["any", "afb-event"]], got)
        # context: falsy values are ignored; the token is sent with each call
        check(await p.eval("afb.context.token = ''; afb.context.uuid = null; afb.context.token") == TOKEN)
        check(await p.eval("afb.context.uuid") is None)
        # a renewed token (4th element) updates the context
        r = await p.eval("w.call('auth/login', {})")
        check(r["request"]["status"] == "success" and r["request"]["token"], r)
        renewed = r["request"]["token"]
        check(await p.eval("afb.context.token") == renewed)
        check((await p.eval("w.call('auth/check', {})"))["request"]["status"] == "success")
        # pending calls fail when the socket closes (the 2017 file left them pending)
        await p.eval("""window.gotclose = false; w.onclose = () => { gotclose = true; };
            window.pending = w.call('hello/sleep', {ms: 3000}).then(() => 'resolved', (e) => e);
            w.ws.close(); true""")
        r = await p.eval("pending")
        check(r["request"]["status"] == "disconnected", r)
        check(await p.wait("gotclose"))
        # an explicit close() rejects pending calls too, without calling onclose;
        # the same AFB object reconnects with its renewed token (the browser
        # sends the session cookie: the session is the same)
        check(await p.eval("new Promise((resolve, reject) => { window.w = new afb.ws(() => resolve(true), reject); })"))
        check((await p.eval("w.url")).endswith("x-afb-token=" + renewed))
        await p.eval("""window.gotclose2 = false; w.onclose = () => { gotclose2 = true; };
            window.pending2 = w.call('hello/sleep', {ms: 3000}).then(() => 'resolved', (e) => e);
            w.close(); true""")
        check((await p.eval("pending2"))["request"]["status"] == "disconnected")
        check(not await p.eval("gotclose2"))
        # a wrong token: the handshake is refused, onabort is called
        r = await p.eval("""new Promise((resolve) => {
            const a = new AFB({base: 'api', token: 'wrong-token'});
            new a.ws(() => resolve('opened'), () => resolve('aborted'));
        })""")
        check(r == "aborted", r)
        # the object form and an explicit url
        r = await p.eval("""new Promise((resolve, reject) => {
            const a = new AFB({url: 'ws://127.0.0.1:%d/api', token: '%s'});
            const s = new a.ws(() => s.call('hello/ping', true).then(resolve, reject), reject);
        })""" % (D.port, renewed))
        check(r["response"] == {"ping": "pong"}, r)
        await p.screenshot("web-afbjs.png")
        check(not p.errors, p.errors)


async def t_mjs():
    async with Browser() as b:
        p = await b.open(BASE + "/t/mjs.html?token=" + TOKEN, ready="window.ready === true")
        await p.eval("window.a = new Afb(); window.opens = 0; a.addEventListener('open', () => opens++); true")
        r = await p.eval("a.call('hello', 'ping', {x: 1})")
        check(r["response"] == {"ping": "pong"} and r["jtype"] == "afb-reply", r)
        check(await p.eval("a.response('hello/ping')") == {"ping": "pong"})
        check(await p.eval("a.uuid") and len(await p.eval("a.uuid")) == 36)
        # failures are AfbError, with status, info and the reply
        r = await p.eval("a.call('hello', 'pingfail').then(() => null, (e) => [e instanceof AfbError, e.status, e.reply.jtype])")
        check(r == [True, "failed", "afb-reply"], r)
        r = await p.eval("a.call('hello', 'sleep', {ms: 2000}, {timeout: 100}).then(() => null, (e) => e.status)")
        check(r == "timeout", r)
        # events: patterns and once
        await p.eval("window.evs = []; a.on('hello/*', (n, d) => evs.push([n, d])); true")
        await p.eval("a.call('hello', 'eventadd', {tag: 'm', name: 'mev'})")
        stop = await p.eval("""a.subscribe('hello', 'eventsub', {tag: 'm'}, 'hello/mev').then((off) => { window.off = off; return true; })""")
        check(stop)
        await p.eval("a.call('hello', 'eventpush', {tag: 'm', data: 1})")
        check(await p.wait("evs.length >= 1 && evs") == [["hello/mev", 1]])
        r = await p.eval("Promise.all([a.once('hello/mev', {timeout: 5000}), a.call('hello', 'eventpush', {tag: 'm', data: 2})]).then((x) => x[0])")
        check(r == {"name": "hello/mev", "data": 2}, r)
        # the token renewed by a verb is kept: after a reconnection the
        # session is the same, its token the new one, its subscriptions made again
        uuid = await p.eval("a.uuid")
        login = await p.eval("a.call('auth', 'login')")
        newtoken = login["request"]["token"]
        check(newtoken and await p.eval("a.token") == newtoken)
        r = await p.eval("""window.pendingAtDrop = a.call('hello', 'sleep', {ms: 3000}).then(() => null, (e) => e.status);
            a.socket.close(); pendingAtDrop""")
        check(r == "disconnected", r)
        check(await p.wait("a.state === 'open' && opens >= 2"))
        check(await p.eval("a.uuid") == uuid)
        check((await p.eval("a.socket.url")).find("x-afb-token=" + newtoken) > 0)
        r = await p.eval("a.call('auth', 'check')")
        check(r["request"]["status"] == "success", r)
        # the subscription is made again: afb.mjs is "open" (and sends calls)
        # as soon as the socket is, and re-sends the eventsub without waiting
        # for its reply (docs/web.md promises no more), and the daemon runs
        # the calls of a connection concurrently, so a push sent now may run
        # before the eventsub. Push again (10 s at most) until one arrives.
        got = await p.eval("""(async () => {
            evs.length = 0;
            const deadline = Date.now() + 10000;
            while (!evs.length && Date.now() < deadline) {
                await a.call('hello', 'eventpush', {tag: 'm', data: 3});
                await new Promise((r) => setTimeout(r, 200));
            }
            return evs.slice();
        })()""")
        check(got and all(e == ["hello/mev", 3] for e in got), got)
        # calls made while disconnected wait for the next connection
        r = await p.eval("a.socket.close(); a.call('hello', 'ping').then((r) => r.response)")
        check(r == {"ping": "pong"}, r)
        # close(): calls fail at once
        r = await p.eval("a.close(); a.call('hello', 'ping').then(() => null, (e) => e.status)")
        check(r == "disconnected", r)
        await p.screenshot("web-afbmjs.png")
        check(not p.errors, p.errors)


def t_served():
    """/afb/ is served with the daemon, even without --roothttp; --no-web-client turns it off."""
    import urllib.request
    import urllib.error
    for name, ctype in (("AFB.js", "text/javascript"), ("afb.mjs", "text/javascript"), ("afb.d.ts", "text/plain")):
        with urllib.request.urlopen(BASE + "/afb/" + name) as f:
            check(f.status == 200 and f.headers["Content-Type"].startswith(ctype), (name, f.headers))
            etag = f.headers["ETag"]
        req = urllib.request.Request(BASE + "/afb/" + name, headers={"If-None-Match": etag})
        try:
            urllib.request.urlopen(req)
            check(False, "expected 304")
        except urllib.error.HTTPError as e:
            check(e.code == 304, e.code)
    off = Daemon("--no-web-client")
    try:
        urllib.request.urlopen("http://127.0.0.1:%d/afb/AFB.js" % off.port)
        check(False, "expected 404")
    except urllib.error.HTTPError as e:
        check(e.code == 404, e.code)
    off.stop()


run("served", t_served)
run("afbjs", t_afbjs, timeout=180)
run("mjs", t_mjs, timeout=180)
D.stop()
done()
