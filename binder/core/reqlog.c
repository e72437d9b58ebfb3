/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The request log (see reqlog.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <systemd/sd-journal.h>
#include "reqlog.h"
#include "hook.h"
#include "session.h"
#include "xreq.h"
#include "peer.h"

static int journal = -1;	/* unknown yet */

/* systemd sets JOURNAL_STREAM=<dev>:<inode> of the stream it gave as stdout/stderr */
int reqlog_to_journal(void)
{
	const char *js;
	unsigned long long dev, ino;
	struct stat st;
	int j = __atomic_load_n(&journal, __ATOMIC_RELAXED);

	if (j >= 0)
		return j;
	js = getenv("JOURNAL_STREAM");
	j = js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0
	    && (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
	__atomic_store_n(&journal, j, __ATOMIC_RELAXED);
	return j;
}

static void peer_of(struct xreq *x, const char **transport, const char **client)
{
	*transport = "internal";
	*client = "";
	if (x->peer) {
		*transport = peer_kind_name(x->peer->kind);
		*client = x->peer->address;
	}
}

void reqlog_reply(struct xreq *x, const char *status, const char *info)
{
	const char *transport, *client, *st = status ? status : "success";
	long long us = x->begin_us ? (long long)(hook_now_us() - x->begin_us) : 0;
	int level = status && !strcmp(status, "denied") ? 5 : 6;

	peer_of(x, &transport, &client);
	if (reqlog_to_journal()) {
		sd_journal_send("MESSAGE=request %s/%s %s %s %s %lld.%03lld ms%s%s", x->api, x->verb, transport, client, st,
				us / 1000, us % 1000, info && status ? ": " : "", info && status ? info : "",
				"PRIORITY=%d", level, "API=%s", x->api, "VERB=%s", x->verb, "STATUS=%s", st,
				"TRANSPORT=%s", transport, "CLIENT=%s", client, "DURATION_US=%lld", us,
				"SESSION=%s", xreq_session(x, 0) ? session_uuid(xreq_session(x, 0)) : "", NULL);
		return;
	}
	verbose(level, NULL, NULL, 0, NULL, "request %s/%s %s %s %s %lld.%03lld ms%s%s", x->api, x->verb, transport,
		client, st, us / 1000, us % 1000, info && status ? ": " : "", info && status ? info : "");
}

void reqlog_refusal(const char *transport, const char *client, const char *status, const char *why)
{
	if (!reqlog_enabled())
		return;
	if (reqlog_to_journal()) {
		sd_journal_send("MESSAGE=refused %s %s %s: %s", transport, client ? client : "", status, why,
				"PRIORITY=5", "STATUS=%s", status, "TRANSPORT=%s", transport,
				"CLIENT=%s", client ? client : "", NULL);
		return;
	}
	verbose(5, NULL, NULL, 0, NULL, "refused %s %s %s: %s", transport, client ? client : "", status, why);
}
