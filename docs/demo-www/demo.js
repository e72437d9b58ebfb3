/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The demo page of scripts/demo, on afb.mjs over one WebSocket: live
 * hello events, tictactoe played from several windows (the moves come
 * as events), auth whose renewed token carries over to later calls and
 * reconnections, and an upload with a progress bar.
 */
import { Afb, AfbError } from "/afb/afb.mjs";

const $ = (id) => document.getElementById(id);
const afb = new Afb();
let boardid = null;

function show(id, reply) {
	$(id).textContent = JSON.stringify(reply, null, 2);
}

async function call(out, api, verb, args) {
	try {
		const r = await afb.call(api, verb, args);
		show(out, r);
		return r;
	} catch (e) {
		show(out, e instanceof AfbError ? e.reply : String(e));
		return null;
	} finally {
		$("session").textContent = afb.uuid || "?";
		$("token").textContent = afb.token || "?";
	}
}

/* ---- hello ---- */

function onHelloEvent(name, data) {
	const li = document.createElement("li");
	li.textContent = `${new Date().toLocaleTimeString()} ${name} ${JSON.stringify(data)}`;
	$("hello-events").prepend(li);
}

let pushes = 0;
$("hello-ping").onclick = () => call("hello-reply", "hello", "ping", { from: "demo" });
$("hello-fail").onclick = () => call("hello-reply", "hello", "pingfail");
$("hello-push").onclick = () => call("hello-reply", "hello", "eventpush", { tag: "demo", data: { push: ++pushes } });
$("hello-broadcast").onclick = () => call("hello-reply", "hello", "broadcast", { name: "news", data: { at: new Date().toISOString() } });
afb.on("hello/*", onHelloEvent);

/* ---- tictactoe ---- */

function drawBoard(b) {
	if (!b)
		return;
	boardid = b.boardid;
	const cells = $("board").children;
	for (let i = 0; i < 9; i++)
		cells[i].textContent = b.board[i] === " " ? "" : b.board[i];
	$("ttt-state").textContent = `board ${b.boardid}, ${b.state}` + (b.winner ? `, ${b.winner} won` : `, ${b.next} to play`)
		+ `, ${b.moves} moves`;
	$("ttt-join-id").value = b.boardid;
}

for (let i = 0; i < 9; i++) {
	const cell = document.createElement("button");
	cell.dataset.index = i;
	cell.onclick = async () => drawBoard((await call("ttt-reply", "tictactoe", "move", { index: i }) || {}).response);
	$("board").append(cell);
}
$("ttt-new").onclick = async () => drawBoard((await call("ttt-reply", "tictactoe", "new") || {}).response);
$("ttt-join").onclick = async () => drawBoard((await call("ttt-reply", "tictactoe", "join", { boardid: Number($("ttt-join-id").value) }) || {}).response);
$("ttt-play").onclick = async () => drawBoard((await call("ttt-reply", "tictactoe", "play") || {}).response);
$("ttt-undo").onclick = async () => drawBoard((await call("ttt-reply", "tictactoe", "undo") || {}).response);
/* every change of any board is broadcast: keep ours */
afb.on("tictactoe/*", (name, data) => { if (data && data.boardid === boardid) drawBoard(data); });

/* ---- auth ---- */

$("auth-login").onclick = () => call("auth-reply", "auth", "login");
$("auth-check").onclick = () => call("auth-reply", "auth", "check");
$("auth-refresh").onclick = () => call("auth-reply", "auth", "refresh");
$("auth-logout").onclick = () => call("auth-reply", "auth", "logout");
$("reconnect").onclick = () => afb.socket && afb.socket.close();
afb.addEventListener("token", (e) => { $("token").textContent = e.detail.token; });

/* ---- post: XMLHttpRequest reports the progress of uploads ---- */

$("upload").onclick = () => {
	const file = $("file").files[0];
	if (!file)
		return;
	const form = new FormData();
	form.append("file", file);
	form.append("note", "from the demo page");
	const xhr = new XMLHttpRequest();
	xhr.open("POST", "/api/post/upload");
	if (afb.token)
		xhr.setRequestHeader("x-afb-token", afb.token);
	xhr.upload.onprogress = (e) => {
		if (e.lengthComputable) {
			$("progress").value = Math.round(100 * e.loaded / e.total);
			$("percent").textContent = `${$("progress").value} %`;
		}
	};
	xhr.onload = () => {
		$("progress").value = 100;
		$("percent").textContent = "100 %";
		try {
			show("post-reply", JSON.parse(xhr.responseText));
		} catch (e) {
			$("post-reply").textContent = xhr.responseText;
		}
	};
	xhr.onerror = () => { $("post-reply").textContent = "upload failed"; };
	xhr.send(form);
};

/* ---- connection ---- */

let subscribing = false;	/* once: subscribe() makes it again after a reconnection */
afb.addEventListener("open", async () => {
	$("status").textContent = "connected";
	$("status").className = "status open";
	/* the pushes of hello are for the subscribers of its event: subscribe
	   (again after each reconnection: subscribe() does it) */
	if (!subscribing) {
		subscribing = true;
		await afb.call("hello", "eventadd", { tag: "demo", name: "demo" }).catch(() => { });
		await afb.subscribe("hello", "eventsub", { tag: "demo" }, "hello/demo");
		/* only now are the pushes of hello/demo received (the tests wait for it) */
		window.demoSubscribed = true;
	}
	const r = await afb.call("tictactoe", "board").catch(() => null);
	if (r)
		drawBoard(r.response);
	$("session").textContent = afb.uuid || "?";
	$("token").textContent = afb.token || "?";
});
afb.addEventListener("close", () => { $("status").textContent = "disconnected"; $("status").className = "status"; });
afb.addEventListener("reconnecting", (e) => { $("status").textContent = `reconnecting in ${e.detail.delay} ms`; });
afb.connect().catch((e) => { $("status").textContent = `can't connect: ${e.message}`; });
window.demo = { afb };
