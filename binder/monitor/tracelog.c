/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tracing to the log (see tracelog.h). One line per record:
 *   HOOK: [xreq-000001:hello/ping] begin ws 127.0.0.1:40112 session 2f1e...
 *   HOOK: [xreq-000001:hello/ping] success {"result":{"ping":"pong"},...}
 *   HOOK: [api hello] event_make {"name":"ev","event":"hello/ev","id":2}
 *   HOOK: [service hello] call {"api":"hello","verb":"ping","args":{}}
 *   HOOK: [evt hello/ev:2] push_after {"data":{"k":1},"result":1}
 *   HOOK: [session 2f1e...] create
 */
#include <errno.h>
#include <string.h>
#include <json-c/json.h>
#include "tracelog.h"
#include "hook.h"
#include "verbose.h"
#include "xreq.h"
#include "peer.h"

static struct hook *hooks[HOOK_KIND_COUNT];

static const char *text(struct json_object *o)
{
	return o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "";
}

static void emit(void *closure, const struct hook_record *r)
{
	const char *sep = r->data ? " " : "", *data = text(r->data);
	const char *transport = "", *client = "";

	switch (r->kind) {
	case HOOK_REQUEST:
		if (r->flag == HOOK_REQ_BEGIN && r->xreq->peer) {
			transport = peer_kind_name(r->xreq->peer->kind);
			client = r->xreq->peer->address;
		}
		if (r->flag == HOOK_REQ_BEGIN)
			verbose(5, NULL, NULL, 0, NULL, "HOOK: [xreq-%06u:%s/%s] begin %s%s%s session %s", r->index,
				r->api, r->verb, transport, *transport ? " " : "", client, r->uuid);
		else
			verbose(5, NULL, NULL, 0, NULL, "HOOK: [xreq-%06u:%s/%s] %s%s%s", r->index, r->api, r->verb,
				r->action, sep, data);
		break;
	case HOOK_DAEMON:
		verbose(5, NULL, NULL, 0, NULL, "HOOK: [api %s] %s%s%s", r->api, r->action, sep, data);
		break;
	case HOOK_SERVICE:
		verbose(5, NULL, NULL, 0, NULL, "HOOK: [service %s] %s%s%s", r->api, r->action, sep, data);
		break;
	case HOOK_EVENT:
		verbose(5, NULL, NULL, 0, NULL, "HOOK: [evt %s:%d] %s%s%s", r->event, r->eventid, r->action, sep, data);
		break;
	case HOOK_SESSION:
		verbose(5, NULL, NULL, 0, NULL, "HOOK: [session %s] %s", r->uuid, r->action);
		break;
	default:
		break;
	}
}

static const struct hook_itf itf = { .emit = emit };

static int start(enum hook_kind kind, const char *level)
{
	unsigned flags;

	if (!level || !strcmp(level, "no"))
		return 0;
	if (hook_flags_of_name(kind, level, &flags) < 0)
		return -EINVAL;
	/* 2017: the daemon interface's "extra" is only the extra actions; the option means both */
	if (kind == HOOK_DAEMON && !strcmp(level, "extra")) {
		unsigned common;
		hook_flags_of_name(kind, "common", &common);
		flags |= common;
	}
	hooks[kind] = hook_add(kind, flags, NULL, &itf, NULL);
	return hooks[kind] ? 0 : -ENOMEM;
}

int tracelog_start(const char *req, const char *ditf, const char *evt, const char *svc, const char *ses)
{
	int rc = start(HOOK_REQUEST, req);

	if (rc >= 0)
		rc = start(HOOK_DAEMON, ditf);
	if (rc >= 0)
		rc = start(HOOK_EVENT, evt);
	if (rc >= 0)
		rc = start(HOOK_SERVICE, svc);
	if (rc >= 0)
		rc = start(HOOK_SESSION, ses);
	if (rc < 0)
		tracelog_stop();
	return rc;
}

void tracelog_stop(void)
{
	int i;

	for (i = 0; i < HOOK_KIND_COUNT; i++) {
		hook_remove(hooks[i]);
		hooks[i] = NULL;
	}
}
