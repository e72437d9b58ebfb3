/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness of what a proto-ws peer reads (binder/wsapi): the RFC 6455
 * frame reader (wsframe.c), fed in pieces of a size set by the first
 * byte, and the message decoder (proto-ws.c), on the whole input and on
 * every binary message the reader hands out, in both roles.
 * Properties, beside no crash and no sanitizer report: a message that
 * decodes re-encodes to bytes that decode to the same fields; every
 * string handed out is UTF-8 (repaired, or the call flagged); a refused
 * call carries nothing; the reader never hands out more than its limit.
 * See tests/fuzz/README.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "proto-ws.h"
#include "utf8.h"
#include "wsframe.h"

#define LIMIT 4096

static void fatal(const char *what)
{
	fprintf(stderr, "fuzz-proto-ws: property violated: %s\n", what);
	abort();
}

/* Re-encodes 'm' into 'b'. */
static void reencode(const struct pws_msg *m, struct pws_buf *b)
{
	pws_buf_init(b);
	switch (m->code) {
	case PWS_CALL: pws_put_call(b, m->callid, m->verb, m->uuid, m->json); break;
	case PWS_SUBCALL_REPLY: pws_put_subcall_reply(b, m->subcallid, m->iserror, m->json); break;
	case PWS_DESCRIBE: pws_put_describe(b, m->descid); break;
	case PWS_REPLY_SUCCESS: pws_put_reply_success(b, m->callid, m->info, m->json); break;
	case PWS_REPLY_FAIL: pws_put_reply_fail(b, m->callid, m->status, m->info); break;
	case PWS_SUBCALL: pws_put_subcall(b, m->subcallid, m->callid, m->api, m->verb, m->json); break;
	case PWS_SUBSCRIBE: pws_put_subscribe(b, m->callid, m->eventid, m->event); break;
	case PWS_UNSUBSCRIBE: pws_put_unsubscribe(b, m->callid, m->eventid, m->event); break;
	case PWS_EVENT_ADD: pws_put_event_add(b, m->eventid, m->event); break;
	case PWS_EVENT_REMOVE: pws_put_event_remove(b, m->eventid, m->event); break;
	case PWS_EVENT_PUSH: pws_put_event_push(b, m->eventid, m->event, m->json); break;
	case PWS_BROADCAST:
		pws_put_broadcast(b, m->event, m->json, m->has_guard ? m->guard_uuid : NULL, m->hop);
		break;
	case PWS_DESCRIPTION: pws_put_description(b, m->descid, m->json); break;
	default: fatal("decoded an unknown code");
	}
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void check_message(const uint8_t *data, size_t size, enum pws_role role)
{
	struct pws_msg m, m2;
	struct pws_buf b;
	const char *reason;

	if (pws_decode(data, size, role, &m, &reason) < 0) {
		if (!reason)
			fatal("no reason for a failure");
		return;
	}
	if (m.bad_utf8) {
		/* a call to refuse: nothing of it may be used */
		if (m.json || m.repaired || !(m.code == PWS_CALL || m.code == PWS_SUBCALL))
			fatal("a refused message with content");
		pws_msg_clear(&m);
		return;
	}
	/* every text handed out is UTF-8 (repaired when it was not) */
	if (!utf8_valid_str(m.verb) || !utf8_valid_str(m.uuid) || !utf8_valid_str(m.api)
	    || !utf8_valid_str(m.status) || !utf8_valid_str(m.info) || !utf8_valid_str(m.event)
	    || (json_object_is_type(m.json, json_type_string)
		&& !utf8_valid_str(json_object_get_string(m.json))))
		fatal("a decoded string is not UTF-8");
	reencode(&m, &b);
	if (b.error || pws_decode(pws_buf_msg(&b), b.len, role, &m2, &reason) < 0)
		fatal("a decoded message does not re-encode");
	if (m.code != m2.code || m.callid != m2.callid || m.subcallid != m2.subcallid
	    || m.descid != m2.descid || m.eventid != m2.eventid || m.iserror != m2.iserror
	    || m.has_guard != m2.has_guard || m.hop != m2.hop
	    || !same(m.verb, m2.verb) || !same(m.uuid, m2.uuid) || !same(m.api, m2.api)
	    || !same(m.status, m2.status) || !same(m.info, m2.info) || !same(m.event, m2.event))
		fatal("fields differ after a round trip");
	pws_msg_clear(&m2);
	pws_msg_clear(&m);
	pws_buf_clear(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wsreader r;
	struct wsframe_item it;
	size_t off = 0, step;
	int rc = 0;

	/* as a message */
	check_message(data, size, PWS_SERVER);
	check_message(data, size, PWS_CLIENT);

	/* as a stream of frames, received in pieces of a size set by the first byte */
	step = size ? (size_t)(data[0] % 17) + 1 : 1;
	wsreader_init(&r, LIMIT);
	while (off < size && rc >= 0) {
		size_t n = size - off < step ? size - off : step;
		if (wsreader_feed(&r, data + off, n) < 0)
			break;
		off += n;
		while ((rc = wsreader_next(&r, &it)) > 0) {
			if (it.len > LIMIT)
				fatal("a message over the limit");
			if (it.opcode >= WSF_CLOSE && it.len > 125)
				fatal("a control frame over 125 bytes");
			if (it.opcode == WSF_BINARY) {
				check_message(it.data, it.len, PWS_SERVER);
				check_message(it.data, it.len, PWS_CLIENT);
			}
		}
		if (rc < 0 && (!r.reason || !r.close_code))
			fatal("an error without close code or reason");
	}
	wsreader_deinit(&r);
	return 0;
}
