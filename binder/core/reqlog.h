/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The request log: at verbosity info (-v, -vv) one line per request
 * replied (api, verb, transport, client, status, duration) and one per
 * refusal of a transport (a WebSocket handshake refused...). When
 * stderr is the systemd journal (JOURNAL_STREAM names it), the lines
 * go to the journal with the fields API=, VERB=, STATUS=, TRANSPORT=,
 * CLIENT=, DURATION_US= (sd_journal_send). docs/running.md, "Logs".
 */
#pragma once

#include "verbose.h"

struct xreq;

/* True when requests are logged: xreq.c then times them. */
static inline int reqlog_enabled(void)
{
	return verbose_wants(__atomic_load_n(&verbosity, __ATOMIC_RELAXED), 6);
}

/* A request is replied with 'status' (NULL: success). */
void reqlog_reply(struct xreq *xreq, const char *status, const char *info);

/*
 * A transport refused a client before any request: 'transport' ("ws",
 * "http"...), 'client' (its address, may be NULL), 'status' (e.g.
 * "401"), 'why' (the reason given).
 */
void reqlog_refusal(const char *transport, const char *client, const char *status, const char *why);

/* 1 when stderr is the journal (JOURNAL_STREAM), else 0. */
int reqlog_to_journal(void);
