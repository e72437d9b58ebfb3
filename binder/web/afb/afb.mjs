/* SPDX-License-Identifier: Apache-2.0 */
/*
 * afb.mjs: the modern browser client of afb-daemon (ES module, no
 * dependency, no build step; types in afb.d.ts, guide in docs/web.md).
 *
 *   import { Afb } from "/afb/afb.mjs";
 *   const afb = new Afb({ token: "hello" });           // ws(s)://<page host>/api
 *   const reply = await afb.call("hello", "ping", {}); // the afb-reply envelope
 *   const off = afb.on("hello/*", (event, data) => ...);
 *   await afb.subscribe("hello", "eventsub", { tag: "t" }, "hello/ev", handler);
 *
 * One WebSocket (x-afb-ws-json1), opened on first use and re-opened
 * with an exponential back-off when it drops. The session survives:
 * the client keeps the uuid the server gave and the latest token (a
 * verb may renew it), and presents both when it reconnects. Calls
 * pending when the connection drops fail with status "disconnected";
 * calls made while it is down wait for it (or their timeout).
 * Subscriptions made with subscribe() are made again after each
 * reconnection, since the server drops them with the connection.
 */

const PROTOCOL = "x-afb-ws-json1";
const CALL = 2, RETOK = 3, RETERR = 4, EVENT = 5;

/** A failed call: the reply envelope, its status and info. */
export class AfbError extends Error {
	constructor(reply) {
		const request = (reply && reply.request) || {};
		super(`${request.status || "failed"}${request.info ? ": " + request.info : ""}`);
		this.name = "AfbError";
		this.reply = reply;
		this.status = request.status || "failed";
		this.info = request.info;
	}
}

function failure(status, info) {
	return { jtype: "afb-reply", request: { status, info } };
}

/* "hello/*" matches "hello/x"; "*" everything; otherwise exact */
function matches(pattern, name) {
	if (pattern === "*" || pattern === name)
		return true;
	if (pattern.endsWith("*"))
		return name.startsWith(pattern.slice(0, -1));
	return false;
}

function defaultUrl(base) {
	const loc = globalThis.location;
	const scheme = loc && loc.protocol === "https:" ? "wss:" : "ws:";
	return `${scheme}//${loc ? loc.host : "localhost"}/${base}`;
}

export class Afb extends EventTarget {
	/**
	 * options: url (default ws(s)://<page host>/<base>), base ("api"),
	 * token (initial token; default: the page's ?x-afb-token= or
	 * ?token=), uuid (an existing session), reconnect (true; or
	 * {min, max, factor} in ms), timeout (ms per call, 0: none),
	 * WebSocket (a constructor, for environments without one).
	 */
	constructor(options = {}) {
		super();
		const query = globalThis.location ? new URLSearchParams(globalThis.location.search) : null;
		this.url = options.url || defaultUrl(options.base || "api");
		this.token = options.token || (query && (query.get("x-afb-token") || query.get("token"))) || undefined;
		this.uuid = options.uuid || undefined;
		const r = options.reconnect === undefined ? true : options.reconnect;
		this.backoff = r ? Object.assign({ min: 250, max: 10000, factor: 2 }, r === true ? {} : r) : null;
		this.timeout = options.timeout || 0;
		this.WebSocket = options.WebSocket || globalThis.WebSocket;
		this.state = "idle";	/* idle, connecting, open, waiting (to reconnect), closed */
		this.socket = null;
		this.pending = new Map();	/* id -> {resolve, reject, timer} */
		this.queue = [];		/* calls waiting for the socket */
		this.handlers = [];		/* {pattern, handler} */
		this.subscriptions = new Set();	/* replayed after reconnections */
		this.counter = 0;
		this.attempts = 0;
		this.retryTimer = null;
		this.opened = null;		/* promise of the current connection */
	}

	/** Opens the connection (once); resolves when it is open. */
	connect() {
		if (this.state === "open")
			return Promise.resolve(this);
		if (this.state === "closed")
			return Promise.reject(new AfbError(failure("disconnected", "the client is closed")));
		if (!this.opened) {
			this.opened = new Promise((resolve, reject) => { this._settle = { resolve, reject }; });
			this.opened.catch(() => { });
			if (this.state === "idle")
				this._open();
		}
		return this.opened;
	}

	_open() {
		let url = this.url;
		const q = [];

		clearTimeout(this.retryTimer);
		this.retryTimer = null;
		if (this.token)
			q.push("x-afb-token=" + encodeURIComponent(this.token));
		if (this.uuid)
			q.push("x-afb-uuid=" + encodeURIComponent(this.uuid));
		if (q.length)
			url += (url.includes("?") ? "&" : "?") + q.join("&");
		this.state = "connecting";
		let ws;
		try {
			ws = new this.WebSocket(url, [PROTOCOL]);
		} catch (e) {
			this._dropped(e.message);
			return;
		}
		this.socket = ws;
		ws.onopen = () => this._onopen(ws);
		ws.onmessage = (m) => this._onmessage(ws, m);
		ws.onclose = (e) => { if (this.socket === ws) this._dropped(`closed (${e.code})`); };
		ws.onerror = () => { };
	}

	_onopen(ws) {
		if (this.socket !== ws)
			return;
		const reconnected = this.attempts > 0;
		this.state = "open";
		this.attempts = 0;
		if (this._settle) {
			this._settle.resolve(this);
			this._settle = null;
		}
		this.dispatchEvent(new CustomEvent("open", { detail: { reconnected } }));
		for (const s of this.subscriptions)
			this._send(s.api, s.verb, s.args).catch((e) =>
				this.dispatchEvent(new CustomEvent("error", { detail: e })));
		const queued = this.queue;
		this.queue = [];
		for (const job of queued)
			job();
	}

	_dropped(why) {
		this.socket = null;
		for (const [, p] of this.pending) {
			clearTimeout(p.timer);
			p.reject(new AfbError(failure("disconnected", why)));
		}
		this.pending.clear();
		this.opened = null;
		if (this.state === "closed")
			return;
		this.dispatchEvent(new CustomEvent("close", { detail: { reason: why } }));
		if (!this.backoff) {
			this._fail_waiting(why);
			this.state = "idle";
			return;
		}
		const b = this.backoff;
		const delay = Math.min(b.max, b.min * Math.pow(b.factor, this.attempts++));
		const jittered = Math.round(delay * (0.75 + Math.random() * 0.5));
		this.state = "waiting";
		this.dispatchEvent(new CustomEvent("reconnecting", { detail: { delay: jittered, attempt: this.attempts } }));
		this.opened = new Promise((resolve, reject) => { this._settle = { resolve, reject }; });
		this.opened.catch(() => { });
		this.retryTimer = setTimeout(() => this._open(), jittered);
	}

	_fail_waiting(why) {
		const queued = this.queue;
		this.queue = [];
		for (const job of queued)
			job(new AfbError(failure("disconnected", why)));
		if (this._settle) {
			this._settle.reject(new AfbError(failure("disconnected", why)));
			this._settle = null;
		}
	}

	_onmessage(ws, m) {
		let msg;
		try {
			msg = JSON.parse(m.data);
		} catch (e) {
			return;
		}
		const [code, id, body, token] = msg;
		if (code === RETOK || code === RETERR) {
			const request = (body && body.request) || {};
			this._learn(token || request.token, request.uuid);
			const p = this.pending.get(id);
			if (!p)
				return;
			this.pending.delete(id);
			clearTimeout(p.timer);
			if (code === RETOK)
				p.resolve(body);
			else
				p.reject(new AfbError(body));
		} else if (code === EVENT) {
			const data = body ? body.data : undefined;
			for (const h of this.handlers.slice())
				if (matches(h.pattern, id))
					h.handler(id, data, body);
			this.dispatchEvent(new CustomEvent("event", { detail: { name: id, data, event: body } }));
		}
	}

	/* the session's uuid and renewed token: kept for the next connections */
	_learn(token, uuid) {
		if (uuid && uuid !== this.uuid)
			this.uuid = uuid;
		if (token && token !== this.token) {
			this.token = token;
			this.dispatchEvent(new CustomEvent("token", { detail: { token } }));
		}
	}

	_send(api, verb, args, timeout) {
		return new Promise((resolve, reject) => {
			let id;
			do {
				this.counter = (this.counter % 1000000000) + 1;
				id = String(this.counter);
			} while (this.pending.has(id));
			const msg = [CALL, id, `${api}/${verb}`, args === undefined ? null : args];
			if (this.token)
				msg.push(this.token);
			const p = { resolve, reject, timer: null };
			if (timeout)
				p.timer = setTimeout(() => {
					this.pending.delete(id);
					reject(new AfbError(failure("timeout", `no reply within ${timeout} ms`)));
				}, timeout);
			this.pending.set(id, p);
			try {
				this.socket.send(JSON.stringify(msg));
			} catch (e) {
				this.pending.delete(id);
				clearTimeout(p.timer);
				reject(new AfbError(failure("disconnected", e.message)));
			}
		});
	}

	/**
	 * Calls api/verb with args (any JSON). call("api/verb", args) works too.
	 * Resolves with the reply envelope {response, jtype, request}, rejects
	 * with an AfbError (its .reply is the envelope). options: {timeout} ms.
	 */
	call(api, verb, args, options = {}) {
		if (typeof api === "string" && api.includes("/") && (typeof verb !== "string" || arguments.length < 3)) {
			options = args || {};
			args = verb;
			[api, verb] = [api.slice(0, api.indexOf("/")), api.slice(api.indexOf("/") + 1)];
		}
		const timeout = options.timeout !== undefined ? options.timeout : this.timeout;
		/* a socket closing (its close event still to come) takes nothing: wait for the next */
		if (this.state === "open" && this.socket.readyState === 1)
			return this._send(api, verb, args, timeout);
		return new Promise((resolve, reject) => {
			let timer = null;
			const job = (error) => {
				clearTimeout(timer);
				if (error)
					reject(error);
				else
					this._send(api, verb, args, timeout).then(resolve, reject);
			};
			if (timeout)
				timer = setTimeout(() => {
					this.queue = this.queue.filter((j) => j !== job);
					reject(new AfbError(failure("timeout", `not connected within ${timeout} ms`)));
				}, timeout);
			this.queue.push(job);
			this.connect().catch((e) => job(e));
		});
	}

	/** Like call(), but resolves with the response alone. */
	async response(api, verb, args, options) {
		return (await this.call(api, verb, args, options)).response;
	}

	/**
	 * Calls handler(name, data, event) for each event whose name matches
	 * 'pattern' ("api/name", "api/*" or "*"). Returns a function that
	 * removes the handler.
	 */
	on(pattern, handler) {
		const h = { pattern, handler };
		this.handlers.push(h);
		return () => { this.handlers = this.handlers.filter((x) => x !== h); };
	}

	/** Resolves with {name, data} at the next event matching 'pattern'. */
	once(pattern, { timeout } = {}) {
		return new Promise((resolve, reject) => {
			let timer = null;
			const off = this.on(pattern, (name, data) => {
				off();
				clearTimeout(timer);
				resolve({ name, data });
			});
			if (timeout)
				timer = setTimeout(() => {
					off();
					reject(new AfbError(failure("timeout", `no event ${pattern} within ${timeout} ms`)));
				}, timeout);
		});
	}

	/**
	 * Subscribes through a verb: calls api/verb(args) now and after each
	 * reconnection, and routes the events matching 'pattern' to
	 * 'handler'. Resolves, once the first call succeeded, with a function
	 * that stops it (it calls 'unsubscribe' {api, verb, args} when given).
	 */
	async subscribe(api, verb, args, pattern, handler, unsubscribe) {
		const off = handler ? this.on(pattern, handler) : () => { };
		const s = { api, verb, args };
		try {
			await this.call(api, verb, args);
		} catch (e) {
			off();
			throw e;
		}
		this.subscriptions.add(s);
		return async () => {
			off();
			this.subscriptions.delete(s);
			if (unsubscribe && this.state === "open")
				await this.call(unsubscribe.api || api, unsubscribe.verb, unsubscribe.args === undefined ? args : unsubscribe.args);
		};
	}

	/** Closes for good: pending and waiting calls fail with "disconnected". */
	close() {
		const ws = this.socket;
		this.state = "closed";
		clearTimeout(this.retryTimer);
		this._dropped("closed by the client");
		this._fail_waiting("closed by the client");
		if (ws) {
			ws.onclose = ws.onmessage = ws.onopen = null;
			ws.close();
		}
	}
}

export default Afb;
