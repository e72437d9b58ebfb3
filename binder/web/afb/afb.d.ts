// SPDX-License-Identifier: Apache-2.0
// Types of afb.mjs, the ES module client of afb-daemon (docs/web.md).

/** The reply envelope of every call (x-afb-ws-json1 and REST). */
export interface AfbReply<R = unknown> {
	response?: R;
	jtype: "afb-reply";
	request: {
		status: string;		// "success", or the failure's status
		info?: string;
		token?: string;		// the session's token, renewed by this call
		uuid?: string;		// the session's uuid, on the first reply of a new session
		reqid?: string;
	};
}

/** The event envelope: [5, name, {event, data, jtype}]. */
export interface AfbEvent<D = unknown> {
	event: string;
	data?: D;
	jtype: "afb-event";
}

export interface AfbBackoff {
	min?: number;		// ms before the first retry (250)
	max?: number;		// longest wait (10000)
	factor?: number;	// growth per failed attempt (2)
}

export interface AfbOptions {
	url?: string;				// default ws(s)://<page host>/<base>
	base?: string;				// default "api"
	token?: string;				// default: ?x-afb-token= or ?token= of the page
	uuid?: string;				// join an existing session
	reconnect?: boolean | AfbBackoff;	// default true
	timeout?: number;			// ms per call, 0 (default): none
	WebSocket?: { new(url: string, protocols?: string | string[]): WebSocket };
}

export interface AfbCallOptions {
	timeout?: number;
}

export type AfbEventHandler<D = unknown> = (name: string, data: D | undefined, event: AfbEvent<D>) => void;

/** A failed call; reply is the envelope the daemon sent (or a local one). */
export class AfbError extends Error {
	readonly reply: AfbReply;
	readonly status: string;	// e.g. "failed", "unknown-verb", "disconnected", "timeout"
	readonly info?: string;
	constructor(reply: AfbReply);
}

export type AfbState = "idle" | "connecting" | "open" | "waiting" | "closed";

/**
 * Events dispatched (addEventListener): "open" {reconnected}, "close"
 * {reason}, "reconnecting" {delay, attempt}, "token" {token},
 * "event" {name, data, event}, "error" (a subscription failed to be
 * made again after a reconnection).
 */
export class Afb extends EventTarget {
	constructor(options?: AfbOptions);
	readonly url: string;
	readonly state: AfbState;
	/** The latest token of the session (renewed tokens replace it). */
	token?: string;
	/** The session's uuid, once the daemon told it. */
	uuid?: string;

	connect(): Promise<Afb>;
	call<R = unknown>(api: string, verb: string, args?: unknown, options?: AfbCallOptions): Promise<AfbReply<R>>;
	call<R = unknown>(apiverb: string, args?: unknown, options?: AfbCallOptions): Promise<AfbReply<R>>;
	response<R = unknown>(api: string, verb: string, args?: unknown, options?: AfbCallOptions): Promise<R>;
	on<D = unknown>(pattern: string, handler: AfbEventHandler<D>): () => void;
	once<D = unknown>(pattern: string, options?: { timeout?: number }): Promise<{ name: string; data: D | undefined }>;
	subscribe<D = unknown>(api: string, verb: string, args: unknown, pattern: string, handler?: AfbEventHandler<D>,
		unsubscribe?: { api?: string; verb: string; args?: unknown }): Promise<() => Promise<void>>;
	close(): void;
}

export default Afb;
