/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AFB.js: the browser client of afb-daemon with the public API of the
 * 2017 AGL AFB.js, so that web apps written for it run unmodified:
 *
 *   var afb = new AFB("api", "hello");          // or new AFB({base, token, host, url})
 *   var ws = new afb.ws(onopen, onabort);       // x-afb-ws-json1 WebSocket
 *   ws.call("hello/ping", {x: 1}).then(onreply, onerror);
 *   ws.onevent("hello/ev", handler);            // exact name, api name, or "*"
 *   afb.context.token, afb.context.uuid
 *
 * Written for afb-daemon from the description of that API
 * (docs/web.md). One change on purpose: calls still pending when the
 * socket closes are rejected with a reply whose status is
 * "disconnected" (the 2017 file left them pending for ever).
 * For new code, prefer the ES module /afb/afb.mjs.
 */
(function (global) {
	"use strict";

	var PROTOCOL = "x-afb-ws-json1";
	var CALL = 2, RETOK = 3, RETERR = 4, EVENT = 5;

	function noop() { }

	function disconnected(info) {
		return { jtype: "afb-reply", request: { status: "disconnected", info: info } };
	}

	function AFB(base, initialtoken) {
		var options = typeof base === "object" && base !== null ? base : { base: base, token: initialtoken };
		var settings = {
			base: options.base || "api",
			token: options.token || initialtoken || "hello",
			host: options.host || global.location.host,
			url: options.url
		};
		var token = settings.token, uuid;

		/* falsy values are ignored: neither can be cleared (2017) */
		var context = Object.create(null, {
			token: { enumerable: true, get: function () { return token; }, set: function (t) { if (t) token = t; } },
			uuid: { enumerable: true, get: function () { return uuid; }, set: function (u) { if (u) uuid = u; } }
		});

		function ws(onopen, onabort) {
			var self = this;
			var url = settings.url || ("ws://" + settings.host + "/" + settings.base);

			if (context.token) {
				url += "?x-afb-token=" + context.token;
				if (context.uuid)
					url += "&x-afb-uuid=" + context.uuid;
			}
			this.url = url;
			this.pendings = {};
			this.awaitens = {};
			this.counter = 0;
			this.onopen = onopen;
			this.onabort = onabort;
			this.ws = new WebSocket(url, [PROTOCOL]);
			this.ws.onopen = function () { opened(self); };
			this.ws.onerror = function () { failed(self); };
			this.ws.onclose = function () { closed(self); };
			this.ws.onmessage = function (event) { received(self, event); };
		}

		function opened(self) {
			var cb = self.onopen;

			delete self.onopen;
			delete self.onabort;
			if (cb)
				cb(self);
		}

		function failed(self) {
			var cb = self.onabort;

			if (cb) {
				delete self.onopen;
				delete self.onabort;
				cb(self);
			}
			if (self.onerror)
				self.onerror(self);
		}

		function reject_pendings(self, info) {
			var pendings = self.pendings, id;

			self.pendings = {};
			for (id in pendings)
				pendings[id][1](disconnected(info));
		}

		function closed(self) {
			reject_pendings(self, "the connection closed");
			if (self.onclose)
				self.onclose();
		}

		function fire(self, name, data) {
			var lists = [self.awaitens[name]], slash = name.indexOf("/"), i, j;

			if (slash >= 0)
				lists.push(self.awaitens[name.substring(0, slash)]);
			lists.push(self.awaitens["*"]);
			for (i = 0; i < lists.length; i++)
				for (j = 0; lists[i] && j < lists[i].length; j++)
					lists[i][j](data);
		}

		function received(self, event) {
			var obj = JSON.parse(event.data), code = obj[0], id = obj[1], pending;

			context.token = obj[3];
			if (code === RETOK || code === RETERR) {
				pending = self.pendings[id];
				if (pending) {
					delete self.pendings[id];
					pending[code === RETOK ? 0 : 1](obj[2]);
				}
			} else {
				fire(self, id, obj[2]);
			}
		}

		ws.prototype.call = function (method, request) {
			var self = this;

			return new Promise(function (resolve, reject) {
				var id, msg;

				do {
					self.counter = (self.counter + 1) & 4095;
					id = String(self.counter);
				} while (id in self.pendings);
				msg = [CALL, id, method, request];
				if (context.token)
					msg.push(context.token);
				self.pendings[id] = [resolve, reject];
				try {
					self.ws.send(JSON.stringify(msg));
				} catch (e) {
					delete self.pendings[id];
					throw e;
				}
			});
		};

		ws.prototype.onevent = function (name, handler) {
			(this.awaitens[name] || (this.awaitens[name] = [])).push(handler);
		};

		ws.prototype.close = function () {
			this.ws.onopen = this.ws.onerror = this.ws.onclose = this.ws.onmessage = noop;
			this.onopen = this.onabort = noop;
			this.ws.close();
			reject_pendings(this, "closed by the client");
		};

		return { context: context, ws: ws };
	}

	global.AFB = AFB;
})(typeof window !== "undefined" ? window : this);
