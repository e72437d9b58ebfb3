/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The traces of the monitor api (monitor/trace): one trace object per
 * session, holding hooks (hook.h), tags and events, as the 2017 binder
 * had them. See docs/web.md ("The monitor api") for the grammar.
 *
 * Delivery: a hook that fires turns its record into a TRACE object and
 * puts it in the bounded queue of its event; the main thread pushes the
 * queue to the event's subscribers, as fast as they read. A subscriber
 * that falls behind loses the oldest records: the next record delivered
 * tells how many with the key "dropped". So a trace never stalls the
 * daemon nor grows without bound.
 */
#pragma once

struct xreq;
struct json_object;
struct trace;

/* Records waiting for a subscriber, per event of a trace. */
#define TRACE_QUEUE_MAX 1024

/*
 * The trace of the session of 'xreq' (made on first use), owned by the
 * session: it ends, removing its hooks and dropping its events, with the
 * session. 'key' is the monitor api's key in the session. NULL: ENOMEM.
 */
struct trace *trace_of_request(struct xreq *xreq, const void *key);

/*
 * Processes the "add" (may be NULL) then the "drop" (may be NULL) of a
 * monitor/trace request; the hooks added subscribe the client of 'xreq'
 * to their events. Returns NULL on success, or the error text to send
 * with the status "error-detected" (malloc'ed).
 */
char *trace_add_drop(struct trace *trace, struct xreq *xreq, struct json_object *add,
		     struct json_object *drop);

/* Counts of records queued and dropped so far, all traces together (tests, monitor/get). */
void trace_counts(unsigned long *queued, unsigned long *dropped);
