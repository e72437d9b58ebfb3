/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitoring page of afb-daemon (--monitoring, /monitoring/), on
 * afb.mjs and the monitor api (docs/web.md): the apis and their verbs,
 * live verbosity controls, and a live trace of the requests with filters
 * (api, verb, session, transport) and timings.
 */
import { Afb } from "/afb/afb.mjs";
import { el } from "./dom.mjs";

const LEVELS = ["error", "warning", "notice", "info", "debug"];
const $ = (id) => document.getElementById(id);
const afb = new Afb();
const requests = new Map();	/* index -> {row, detail, records} */
let paused = false;
let dropped = 0;

function levelSelect(value, onchange) {
	const s = el("select", { onchange: () => onchange(s.value) });
	for (const l of LEVELS)
		s.append(el("option", { value: l }, l));
	if (LEVELS.includes(value))
		s.value = value;
	return s;
}

/* ---- apis and verbosity ---- */

async function setLevel(target, level) {
	await afb.call("monitor", "set", { verbosity: target === "*" ? level : { [target]: level } });
	await refresh();
}

async function refresh() {
	const r = await afb.response("monitor", "get", { apis: true, verbosity: true });
	const list = $("api-list");
	list.replaceChildren();
	const g = $("global-level");
	g.replaceChildren(...LEVELS.map((l) => el("option", { value: l }, l)));
	g.value = r.verbosity[""];
	for (const name of Object.keys(r.apis).sort()) {
		const desc = r.apis[name];
		const verbs = el("ul");
		for (const path of Object.keys((desc && desc.paths) || {}).sort()) {
			const get = desc.paths[path].get || {};
			const info = (((get.responses || {})["200"]) || {}).description || "";
			verbs.append(el("li", { title: "open in the api explorer",
				onclick: () => { location.href = `explorer.html?api=${encodeURIComponent(name)}&verb=${encodeURIComponent(path.slice(1))}`; } },
				path.slice(1), " ", el("span", {}, info)));
		}
		const info = desc && desc.info ? desc.info.description || "" : "(no description)";
		list.append(el("div", { class: "api", "data-api": name },
			el("div", {}, el("span", { class: "name" }, name), " ",
				levelSelect(r.verbosity[name], (l) => setLevel(name, l))),
			el("div", { class: "desc" }, info), verbs));
	}
}

/* ---- the trace ---- */

function short(uuid) {
	return uuid ? uuid.slice(0, 8) : "";
}

function visible(req) {
	const f = (id) => $(id).value.trim().toLowerCase();
	if (!$("f-own").checked && req.api === "monitor")
		return false;
	if (f("f-api") && req.api.toLowerCase() !== f("f-api"))
		return false;
	if (f("f-verb") && req.verb.toLowerCase() !== f("f-verb"))
		return false;
	if (f("f-session") && !(req.session || "").startsWith(f("f-session")))
		return false;
	if ($("f-transport").value && req.transport !== $("f-transport").value)
		return false;
	return true;
}

function applyFilters() {
	for (const r of requests.values()) {
		r.row.hidden = !visible(r.req);
		r.detail.hidden = r.row.hidden || !r.open;
	}
}

function onRequestRecord(t) {
	const d = t.request;
	let r = requests.get(d.index);
	if (!r) {
		const req = { api: d.api, verb: d.verb, session: d.session, transport: d.transport || "", client: d.client || "" };
		const row = el("tr", { class: "pending" },
			el("td", { class: "num" }, String(d.index)), el("td", {}, t.time),
			el("td", {}, `${d.api}/${d.verb}`), el("td", {}, req.transport), el("td", {}, req.client),
			el("td", { title: d.session || "" }, short(d.session)), el("td", { class: "status" }, "…"),
			el("td", { class: "num duration" }, ""));
		const detail = el("tr", { class: "detail" }, el("td", { colspan: "8" }));
		detail.hidden = true;
		r = { req, row, detail, records: [], open: false };
		row.addEventListener("click", () => { r.open = !r.open; detail.hidden = !r.open; });
		requests.set(d.index, r);
		$("requests").prepend(detail);
		$("requests").prepend(row);
		row.hidden = !visible(req);
		while (requests.size > 500) {
			const [k, old] = requests.entries().next().value;
			old.row.remove();
			old.detail.remove();
			requests.delete(k);
		}
	}
	r.records.push(t);
	r.detail.firstChild.textContent = r.records.map((x) =>
		`${x.time} ${x.request.action} ${x.data ? JSON.stringify(x.data) : ""}`).join("\n");
	if (d.action === "success" || d.action === "fail") {
		r.row.className = d.action;
		r.row.querySelector(".status").textContent = d.action === "fail" ? t.data.status : "success";
	}
	if (t.data && t.data.duration_us !== undefined)
		r.row.querySelector(".duration").textContent = `${(t.data.duration_us / 1000).toFixed(3)} ms`;
}

function onTrace(name, t) {
	if (paused || !t)
		return;
	if (t.dropped) {
		dropped += t.dropped;
		$("dropped").textContent = `${dropped} trace records dropped: this page read too slowly`;
	}
	if (t.type === "request") {
		onRequestRecord(t);
		return;
	}
	const d = t[t.type];
	if (t.type === "event" && d.name.startsWith("monitor/"))
		return;
	const line = el("div", {}, `${t.time} ${t.type} ${d.api || d.name || d.uuid || ""} ${d.action} `
		+ (t.data ? JSON.stringify(t.data) : ""));
	$("log").prepend(line);
	while ($("log").childElementCount > 300)
		$("log").lastChild.remove();
}

async function retrace() {
	await afb.call("monitor", "trace", { drop: true });
	const add = { tag: "page", name: "trace" };
	for (const [key, id] of [["request", "trace-request"], ["event", "trace-event"], ["sessions", "trace-sessions"]])
		if ($(id).value !== "no")
			add[key] = $(id).value;
	await afb.call("monitor", "trace", { add });
}

function status(text, open) {
	$("status").textContent = text;
	$("status").className = "status" + (open ? " open" : "");
}

afb.addEventListener("open", async () => {
	status("connected", true);
	try {
		await refresh();
		await retrace();
	} catch (e) {
		status(`error: ${e.message}`, false);
	}
});
afb.addEventListener("close", () => status("disconnected", false));
afb.addEventListener("reconnecting", (e) => status(`reconnecting in ${e.detail.delay} ms`, false));
afb.on("monitor/trace", onTrace);

$("all-level").append(...LEVELS.map((l) => el("option", { value: l }, l)));
$("all-level").addEventListener("change", () => { if ($("all-level").value) setLevel("*", $("all-level").value); });
$("global-level").addEventListener("change", () => setLevel("", $("global-level").value));
for (const id of ["trace-request", "trace-event", "trace-sessions"])
	$(id).addEventListener("change", retrace);
for (const id of ["f-api", "f-verb", "f-session", "f-transport", "f-own"])
	$(id).addEventListener("input", applyFilters);
$("pause").addEventListener("click", () => { paused = !paused; $("pause").textContent = paused ? "resume" : "pause"; });
$("clear").addEventListener("click", () => { requests.clear(); $("requests").replaceChildren(); $("log").replaceChildren(); });
afb.connect().catch((e) => status(`can't connect: ${e.message}`, false));
window.afbMonitoring = { afb, requests };
