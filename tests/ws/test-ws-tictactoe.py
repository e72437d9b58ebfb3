#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The tictactoe sample played by two WebSocket connections, with its events."""
import asyncio
import json
import time

from wsutil import Daemon, binding, check, connect, done, run

D = Daemon("-v", "--binding", binding("tictactoe"))  # -v: the binding logs registered waits


async def next_event(c, reason):
    """The next tictactoe event, which must be 'reason'."""
    m = await c.event()
    check(m[0] == 5 and m[1] == "tictactoe/" + reason and m[2]["event"] == "tictactoe/" + reason, m)
    return m[2]["data"]


async def registered(board, timeout=20):
    """Waits until the binding logged the wait on 'board' (logged once registered)."""
    deadline = time.time() + timeout
    while "method 'wait' called for boardid %d" % board not in D.read_log():
        check(time.time() < deadline, "the wait on board %d did not reach the binding" % board)
        await asyncio.sleep(0.02)


async def t_game():
    a, b = await connect(D), await connect(D)
    r = await a.ok("tictactoe", "new")
    board = r["boardid"]
    for c in (a, b):
        d = await next_event(c, "new")
    check(d["boardid"] == board and d["moves"] == 0, d)

    # b joins a's board: both see it
    r = await b.ok("tictactoe", "join", {"boardid": board})
    check(r["boardid"] == board, r)
    for c in (a, b):
        check((await next_event(c, "join"))["boardid"] == board)

    # b waits for a change while a plays
    msg, waiting = b.send_call("tictactoe", "wait")
    await b.ws.send(json.dumps(msg))
    await registered(board)
    r = await a.ok("tictactoe", "move", {"index": 4})
    check(r["board"][4] == "X" and r["next"] == "O", r)
    w = await waiting
    check(w[0] == 3 and w[2]["request"]["info"] == "move" and w[2]["response"]["board"][4] == "X", w)
    for c in (a, b):
        check((await next_event(c, "move"))["moves"] == 1)

    # b moves on the same board, then the server plays for a
    r = await b.ok("tictactoe", "move", {"index": 0})
    check(r["board"][0] == "O", r)
    for c in (a, b):
        await next_event(c, "move")
    r = await a.ok("tictactoe", "play")
    check(r["moves"] == 3, r)
    for c in (a, b):
        await next_event(c, "play")
    r = await b.ok("tictactoe", "level", {"level": 5})
    for c in (a, b):
        check((await next_event(c, "level"))["level"] == 5)
    r = await a.ok("tictactoe", "undo")
    check(r["moves"] == 2, r)
    for c in (a, b):
        await next_event(c, "undo")
    check((await b.ok("tictactoe", "board"))["moves"] == 2)

    # refusals
    r = await a.call("tictactoe", "move", {"index": 4})
    check(r[0] == 4, r)
    r = await b.call("tictactoe", "join", {"boardid": 999999})
    check(r[0] == 4, r)
    await a.close()
    await b.close()


async def t_wait_then_leave():
    # a waiter whose connection leaves: its late reply is dropped safely
    a, b = await connect(D), await connect(D)
    board = (await a.ok("tictactoe", "new"))["boardid"]
    await b.ok("tictactoe", "join", {"boardid": board})
    msg, waiting = b.send_call("tictactoe", "wait")
    await b.ws.send(json.dumps(msg))
    await registered(board)
    await b.close()
    try:
        await waiting
    except ConnectionError:
        pass
    await a.ok("tictactoe", "move", {"index": 1})
    await a.ok("tictactoe", "board")
    await a.close()


def t_stop():
    D.stop()


run("game", t_game)
run("wait-then-leave", t_wait_then_leave)
run("stop", t_stop)
done()
