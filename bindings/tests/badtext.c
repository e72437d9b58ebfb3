/* SPDX-License-Identifier: Apache-2.0 */
/*
 * badtext: a faulty binding whose replies, failures and events carry
 * strings that are not UTF-8 (raw bytes 0xff 0xfe, a truncated sequence,
 * a surrogate). The daemon must repair them (U+FFFD) on every transport
 * instead of breaking its clients' connections (binder/core/utf8.h).
 *
 *   reply       success: {"text":"a\xff\xfeb","k\xc3":"\xed\xa0\x80"}, info "i\xff"
 *   fail        failure: status "bad\xffstatus", info "why\xfe"
 *   subscribe   subscribes the caller to "badtext/ev\xff" (made at init)
 *   push        pushes {"data":"\xff\xfe"} to it, replies {"count":N}
 *   broadcast   broadcasts "badtext/all\xfe" with "\xff"
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <json-c/json.h>
#include <afb/afb-binding.h>

static const struct afb_binding_interface *afbitf;
static struct afb_event event;

static struct json_object *bad_object(void)
{
	struct json_object *obj = json_object_new_object();

	json_object_object_add(obj, "text", json_object_new_string("a\xff\xfe" "b"));
	json_object_object_add(obj, "k\xc3", json_object_new_string("\xed\xa0\x80"));
	return obj;
}

static struct json_object *count_object(int count)
{
	struct json_object *obj = json_object_new_object();

	json_object_object_add(obj, "count", json_object_new_int(count));
	return obj;
}

static void reply(struct afb_req req)
{
	afb_req_success(req, bad_object(), "i\xff");
}

static void fail(struct afb_req req)
{
	afb_req_fail(req, "bad\xffstatus", "why\xfe");
}

static void subscribe(struct afb_req req)
{
	if (afb_req_subscribe(req, event) < 0)
		afb_req_fail(req, "failed", "subscribe failed");
	else
		afb_req_success(req, NULL, NULL);
}

static void push(struct afb_req req)
{
	struct json_object *data = json_object_new_object();

	json_object_object_add(data, "data", json_object_new_string("\xff\xfe"));
	afb_req_success(req, count_object(afb_event_push(event, data)), NULL);
}

static void broadcast(struct afb_req req)
{
	afb_req_success(req, count_object(afb_daemon_broadcast_event(afbitf->daemon, "all\xfe",
								     json_object_new_string("\xff"))), NULL);
}

static const struct afb_verb_desc_v1 verbs[] = {
	{ "reply",     AFB_SESSION_NONE, reply,     "success with bad strings" },
	{ "fail",      AFB_SESSION_NONE, fail,      "failure with bad strings" },
	{ "subscribe", AFB_SESSION_NONE, subscribe, "subscribes to the bad event" },
	{ "push",      AFB_SESSION_NONE, push,      "pushes bad data on the bad event" },
	{ "broadcast", AFB_SESSION_NONE, broadcast, "broadcasts a bad event" },
	{ NULL, 0, NULL, NULL }
};

static const struct afb_binding binding_description = {
	.type = AFB_BINDING_VERSION_1,
	.v1 = {
		.info = "Test binding emitting strings that are not UTF-8",
		.prefix = "badtext",
		.verbs = verbs
	}
};

const struct afb_binding *afbBindingV1Register(const struct afb_binding_interface *itf)
{
	afbitf = itf;
	return &binding_description;
}

int afbBindingV1ServiceInit(struct afb_service service)
{
	event = afb_daemon_make_event(afbitf->daemon, "ev\xff");
	return afb_event_is_valid(event) ? 0 : -1;
}
