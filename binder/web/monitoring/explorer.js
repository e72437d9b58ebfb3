/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The api explorer of afb-daemon (/monitoring/explorer.html), on afb.mjs:
 * every api the daemon serves (local, or imported over proto-ws or
 * D-Bus) with the verbs of its description; calls any verb with JSON
 * arguments and shows the reply envelope and the events received.
 */
import { Afb, AfbError } from "/afb/afb.mjs";
import { el } from "./dom.mjs";

const $ = (id) => document.getElementById(id);
const afb = new Afb();
let descriptions = {};

function select(api, verb) {
	$("api").value = api;
	$("verb").value = verb;
	const get = ((((descriptions[api] || {}).paths || {})["/" + verb]) || {}).get || {};
	$("verb-info").textContent = (((get.responses || {})["200"]) || {}).description || "";
	for (const li of document.querySelectorAll(".api li"))
		li.classList.toggle("selected", li.dataset.api === api && li.dataset.verb === verb);
}

async function load() {
	descriptions = (await afb.response("monitor", "get", { apis: true })).apis;
	const list = $("api-list");
	list.replaceChildren();
	for (const name of Object.keys(descriptions).sort()) {
		const desc = descriptions[name];
		const verbs = el("ul");
		for (const path of Object.keys((desc && desc.paths) || {}).sort()) {
			const verb = path.slice(1);
			const li = el("li", { onclick: () => select(name, verb) }, verb);
			li.dataset.api = name;
			li.dataset.verb = verb;
			verbs.append(li);
		}
		list.append(el("div", { class: "api", "data-api": name }, el("div", { class: "name" }, name),
			el("div", { class: "desc" }, desc ? (desc.info && desc.info.description) || "" : "(no description: type the verb)"),
			verbs));
	}
	const q = new URLSearchParams(location.search);
	if (q.get("api"))
		select(q.get("api"), q.get("verb") || "");
}

function parseArgs() {
	const text = $("args").value.trim();
	try {
		const v = text === "" ? null : JSON.parse(text);
		$("args").classList.remove("bad");
		$("args-error").textContent = "";
		return { ok: true, value: v };
	} catch (e) {
		$("args").classList.add("bad");
		$("args-error").textContent = `not JSON: ${e.message}`;
		return { ok: false };
	}
}

async function send() {
	const args = parseArgs();
	if (!args.ok)
		return;
	const api = $("api").value.trim(), verb = $("verb").value.trim();
	$("reply").textContent = "…";
	$("reply-status").textContent = "";
	const start = performance.now();
	let reply;
	try {
		reply = await afb.call(api, verb, args.value);
	} catch (e) {
		reply = e instanceof AfbError ? e.reply : { error: String(e) };
	}
	const ms = (performance.now() - start).toFixed(1);
	$("reply").textContent = JSON.stringify(reply, null, 2);
	$("reply-status").textContent = `${(reply.request || {}).status || "?"} in ${ms} ms`;
}

afb.on("*", (name, data) => {
	$("events").textContent = `${new Date().toISOString().slice(11, 23)} ${name} ${JSON.stringify(data)}\n`
		+ $("events").textContent;
});
afb.addEventListener("open", () => {
	$("status").textContent = "connected";
	$("status").className = "status open";
	load().catch((e) => { $("status").textContent = `error: ${e.message}`; });
});
afb.addEventListener("close", () => { $("status").textContent = "disconnected"; $("status").className = "status"; });
$("send").addEventListener("click", send);
$("args").addEventListener("input", parseArgs);
$("args").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) send(); });
$("reload").addEventListener("click", () => load());
$("clear-events").addEventListener("click", () => { $("events").textContent = ""; });
afb.connect().catch((e) => { $("status").textContent = `can't connect: ${e.message}`; });
window.afbExplorer = { afb, send, select };
