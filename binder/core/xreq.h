/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A request: api, verb, args, session, and the transport's hooks.
 *
 * Every transport (HTTP, WebSocket, proto-ws, D-Bus, subcalls) embeds a
 * 'struct xreq' in its own request and provides an 'xreq_itf'. The core
 * guarantees: exactly one reply reaches itf->reply (a second one is refused
 * and logged; a request released without reply gets "error"/"no reply"; a
 * request not replied within the api timeout gets "timeout"), and
 * itf->destroy is called once, after the last unref.
 *
 * Thread-safety: replies and refcounts may come from any thread. The reply
 * hook runs on the replying thread. The state that several threads write
 * (the flags, the session made on first use) is atomic; the other fields
 * have a single writer, stated at each.
 *
 * Sessions are made on first use: a transport gives the session its
 * client named, or NULL; xreq_session(x, 1) makes one when a verb first
 * needs session state (a context, a LOA, a renewed token). So a request to
 * an unknown api, a refused request or a verb that keeps no state creates
 * no session.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include "afb/afb-req-itf.h"
#include "afb/afb-req-x2-itf.h"
#include "jobs.h"

struct json_object;
struct peer;
struct session;
struct evt;
struct api;
struct apiset;
struct fault_site;
struct xreq;

struct xreq_itf {
	/*
	 * Delivers the reply. 'status' is NULL for success; 'object' (may be
	 * NULL) is consumed. Build the standard envelope with xreq_envelope().
	 */
	void (*reply)(struct xreq *xreq, const char *status, const char *info, struct json_object *object);
	/*
	 * Optional: delivers a success whose response is the JSON text
	 * 'text' of 'len' bytes (plain: jscan.h; not null; borrowed for the
	 * call, a NUL after it), for the transports that send JSON text:
	 * they write it as it is. Returns 0, or -ENOTSUP, having done
	 * nothing, when this request wants the value (the core then parses
	 * the text and calls 'reply').
	 */
	int (*reply_text)(struct xreq *xreq, const char *info, const char *text, size_t len);
	/* Frees the transport's request. */
	void (*destroy)(struct xreq *xreq);
	/*
	 * Optional: the session to use when the request has none and needs
	 * one (a new reference; NULL when out of memory). Without it, a new
	 * session of the store is made for the peer's host, and the request
	 * is marked XREQ_CREATED.
	 */
	struct session *(*make_session)(struct xreq *xreq);
	/* Optional: the client's listener. NULL: subscribing fails with -EINVAL. */
	int (*subscribe)(struct xreq *xreq, struct evt *evt);
	int (*unsubscribe)(struct xreq *xreq, struct evt *evt);
	/*
	 * Optional: true when 'path' is a file this transport received for
	 * the request (an HTTP upload). Only such paths reach afb_req_path:
	 * a client must not name a file of the daemon's host as its upload.
	 */
	int (*owns_file)(struct xreq *xreq, const char *path);
	/*
	 * Optional: makes the subcalls of this request. A request received
	 * from another binder sends them back to the calling side, where the
	 * original request lives. 'args' is consumed; 'callback' is called
	 * once, on any thread, with status 0 or -1 and the envelope (borrowed).
	 */
	void (*subcall)(struct xreq *xreq, const char *api, const char *verb, struct json_object *args,
			void (*callback)(void *closure, int status, struct json_object *envelope), void *closure);
};

/* transports built before the subcall hook existed test this */
#define XREQ_HAS_SUBCALL_HOOK 1

/* the flags of a request (xreq_has, xreq_set): set from any thread, never cleared */
#define XREQ_VALIDATED		0x01u	/* a valid token was presented, or the transport vouches for its client */
#define XREQ_INVALIDATED	0x02u	/* a wrong token was presented */
#define XREQ_CREATED		0x04u	/* its session was made for it: the reply tells the uuid */
#define XREQ_REFRESHED		0x08u	/* its session's token was renewed: the reply tells the new one */
#define XREQ_CLOSING		0x10u	/* the api's context is closed when the request ends */

struct xreq {
	const struct xreq_itf *itf;
	atomic_int refcount;
	atomic_int replied;
	atomic_uint flags;		/* XREQ_* */
	const char *api;		/* owned by the transport, valid until destroy */
	const char *verb;		/* idem */
	struct json_object *args;	/* owned; NULL: none given, an empty object made when asked (xreq_args) */
	struct peer *peer;		/* who made it: one reference, never NULL after xreq_init */
	struct session *_Atomic session;	/* one reference; NULL until needed: use xreq_session() */
	struct xreq *caller;		/* subcalls: the calling request (one reference) */
	/* written once by the worker that dispatches, before the verb runs */
	const struct fault_site *api_key;	/* the binding serving it: its context key (fault.h) */
	struct api *target;		/* the api found by xreq_process */
	struct afb_req_x2 req_x2;	/* what v2/v3 verbs get (req-x2.c), filled by their api */
	/* pending-reply list for --apitimeout, under its lock */
	struct xreq *tm_prev, *tm_next;
	int64_t deadline_us;
	/* its job in the worker queue (xreq_process): no allocation per request */
	struct jobs_entry job;
	/* tracing (hook.h) and request logs */
	unsigned hookflags;		/* HOOK_REQ_* wanted by hooks, set by xreq_process */
	unsigned hookindex;		/* index of the request in traces */
	int64_t begin_us;		/* CLOCK_MONOTONIC at xreq_process, when traced or logged */
};

static inline int xreq_has(struct xreq *xreq, unsigned flags)
{
	return (atomic_load(&xreq->flags) & flags) != 0;
}

static inline void xreq_set(struct xreq *xreq, unsigned flags)
{
	atomic_fetch_or(&xreq->flags, flags);
}

/*
 * Initializes 'xreq' with one reference. Takes one reference of 'peer'
 * (NULL: the daemon's own peer, peer_internal()) and of 'session' (NULL:
 * none yet, made on first use), and consumes 'args' (NULL becomes an
 * empty object).
 */
void xreq_init(struct xreq *xreq, const struct xreq_itf *itf, struct peer *peer, struct session *session,
	       const char *api, const char *verb, struct json_object *args);

/*
 * Checks a presented token (NULL: none presented) against the session, or
 * against the initial token when there is no session yet; sets
 * XREQ_VALIDATED or XREQ_INVALIDATED. Before xreq_process.
 */
void xreq_present_token(struct xreq *xreq, const char *token);

/*
 * The session of the request (borrowed: valid while the request is).
 * When it has none: NULL, or with 'create', makes one (see make_session
 * in xreq_itf); NULL then means out of memory.
 */
struct session *xreq_session(struct xreq *xreq, int create);

/*
 * When the request renewed its session's token and does not close it:
 * copies the new token to 'buf' (37 bytes) and returns it; else NULL.
 */
const char *xreq_renewed_token(struct xreq *xreq, char *buf);

struct xreq *xreq_addref(struct xreq *xreq);
void xreq_unref(struct xreq *xreq);

/*
 * Replies once. 'object' is consumed, 'status' NULL means success.
 * Returns 0, or -EALREADY for a second reply (object released, logged).
 */
int xreq_reply(struct xreq *xreq, const char *status, const char *info, struct json_object *object);
void xreq_fail_f(struct xreq *xreq, const char *status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Replies success with the response given as the JSON text 'text' of
 * 'len' bytes, which jscan_plain found plain and not null, with a NUL
 * after it; borrowed. What a transport would have written of its value
 * is what it writes of the text (its reply_text, or the value parsed for
 * its reply and for the hooks that trace replies): an api imported from
 * another binder passes its replies on without parsing them.
 * Returns 0, or -EALREADY for a second reply (logged).
 */
int xreq_reply_text(struct xreq *xreq, const char *info, const char *text, size_t len);

/*
 * Builds the reply envelope of the reference:
 * {"response":object,"jtype":"afb-reply","request":{"status","info","token","uuid"}}
 * 'object' is consumed. "token" is present when the token was renewed,
 * "uuid" when the session was created by the request (and not closed).
 */
struct json_object *xreq_envelope(struct xreq *xreq, const char *status, const char *info,
				  struct json_object *object);

/*
 * Writes the text of that envelope into 'b' (jbuf.h), serialized once,
 * straight into the buffer the transport sends: 'object' is borrowed;
 * when it is NULL, 'text' (may be NULL) is the response's JSON text of
 * 'text_len' bytes, written as it is (xreq_itf.reply_text).
 * 'reqid' (may be NULL) is written as "reqid" after "info" (HTTP); with
 * 'tell_uuid', "uuid" is written even when the request did not create the
 * session (the first reply of a WebSocket whose upgrade made it).
 */
struct jbuf;
void xreq_envelope_text(struct jbuf *b, struct xreq *xreq, const char *status, const char *info,
			struct json_object *object, const char *text, size_t text_len, const char *reqid,
			int tell_uuid);

/*
 * Dispatches 'xreq' to its api in 'apiset' on a worker. Consumes one
 * reference. Unknown api and full queue are replied here.
 */
void xreq_process(struct xreq *xreq, struct apiset *apiset);

/* Sets the default --apitimeout in seconds (0: none). */
void xreq_set_timeout(int seconds);

/*
 * The shutdown (main thread). xreq_stop_serving: from now on the requests
 * of clients fail at once with "cancelled" (those of the daemon itself,
 * subcalls of running requests and services, still run).
 * xreq_pending_count: requests dispatched and not replied yet.
 * xreq_cancel_pending: fails every such request with "cancelled" and
 * 'info' (NULL: "cancelled"), on its transport; returns how many.
 */
void xreq_stop_serving(void);
int xreq_pending_count(void);
int xreq_cancel_pending(const char *info);

/*
 * afb_req_get semantics on the args object: an argument {"file":F,"path":P}
 * gives value F and path P when the transport owns P (see owns_file);
 * otherwise the value is the argument as a string and path is NULL.
 */
struct afb_arg xreq_get(struct xreq *xreq, const char *name);

/* The arguments, for the binding (traced as "json"). Borrowed. */
struct json_object *xreq_json(struct xreq *xreq);

/*
 * The arguments, not traced (transports forwarding the request). A
 * request made without arguments gets its empty object here, on first
 * use, from any thread: a verb that does not look at its arguments (a
 * ping, a getter) costs no object (an empty json-c object is a 16-entry
 * hash table: about 10 % of the daemon's instructions for a WebSocket
 * call). Borrowed; NULL only without memory.
 */
struct json_object *xreq_args(struct xreq *xreq);

/*
 * The arguments if given or made already, else NULL (none): for the
 * transports that forward the request as text (an empty object is sent
 * for none), so that none is made. Borrowed.
 */
struct json_object *xreq_args_peek(struct xreq *xreq);

/* A log message of the binding about the request (traced as "vverbose"). */
void xreq_vverbose(struct xreq *xreq, int level, const char *file, int line, const char *func,
		   const char *fmt, va_list args);

/* Session flags (v1): checks them, renews the token for RENEW. Replies and returns -1 on refusal. */
int xreq_check_session_flags(struct xreq *xreq, unsigned flags);

/*
 * What a verb's session flags ask once its checks passed: 'renew' its
 * session's token (the session is made if needed; the reply tells the new
 * token), 'close' the session after the reply. 0, or -1 when the request was
 * answered (failed: no session could be made). Any thread.
 */
int xreq_renew_close(struct xreq *xreq, int renew, int close);

/* Context of the serving api in the session */
void *xreq_context_get(struct xreq *xreq);
void xreq_context_set(struct xreq *xreq, void *value, void (*freecb)(void*));
void *xreq_context_make(struct xreq *xreq, void *(*create)(void*), void (*freecb)(void*), void *closure);
int xreq_set_loa(struct xreq *xreq, unsigned loa);
void xreq_session_close(struct xreq *xreq);

int xreq_subscribe(struct xreq *xreq, struct evt *evt);
int xreq_unsubscribe(struct xreq *xreq, struct evt *evt);

/*
 * Subcalls of binding API v1 and v2 (calls.c; the general form with the
 * v3 flags is calls.h), in the session of 'caller', on behalf of its
 * client, its events passed to the client. 'args' is consumed. The
 * callback gets status 0 or -1 and the envelope (borrowed).
 */
void xreq_subcall(struct xreq *caller, const char *api, const char *verb, struct json_object *args,
		  void (*callback)(void *closure, int status, struct json_object *envelope), void *closure);
/* The same for afb_req_subcall_req (traced as "subcall_req"). */
void xreq_subcall_req(struct xreq *caller, const char *api, const char *verb, struct json_object *args,
		      void (*callback)(void *closure, int status, struct json_object *envelope), void *closure);
/* Returns 0 or -1; *result gets the envelope (owned by the caller). */
int xreq_subcall_sync(struct xreq *caller, const char *api, const char *verb, struct json_object *args,
		      struct json_object **result);

/*
 * Calls from a session with no calling request (services, --call; in
 * calls.c): the request is validated and subscriptions go to 'listener'
 * (may be NULL). 'session' NULL is the apis' common session.
 */
struct evt_listener;
void xreq_call_in_session(struct session *session, struct evt_listener *listener,
			  const char *api, const char *verb, struct json_object *args,
			  void (*callback)(void *closure, int status, struct json_object *envelope), void *closure);
int xreq_call_in_session_sync(struct session *session, struct evt_listener *listener,
			      const char *api, const char *verb, struct json_object *args,
			      struct json_object **result);

/* The struct afb_req of binding API v1 for 'xreq' (see req-v1.c). */
struct afb_req xreq_to_req_v1(struct xreq *xreq);

/* Count of live requests (tests). */
int xreq_live_count(void);
