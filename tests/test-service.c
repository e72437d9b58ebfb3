/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The service side of the binding API: afbBindingV1ServiceInit,
 * afb_service_call(_sync) and afbBindingV1ServiceEvent, through the
 * `service` test binding and the hello sample.
 */
#include <string.h>
#include <json-c/json.h>

#include "afbtest.h"

static struct afbt_daemon *D;

#define GET(...) afbt_get(D, NULL, __VA_ARGS__)

/*
 * Polls service/events until an event named 'name' arrives; returns the
 * JSON text of its data ("null" when none), or fails.
 */
static const char *wait_event(const char *name)
{
	double end = afbt_now() + 5;

	do {
		struct afbt_resp *r = GET("/api/service/events");
		struct json_object *list;

		CHECK_REPLY(r, 200, "success");
		list = afbt_json(r, "response");
		CHECK(json_object_is_type(list, json_type_array));
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			struct json_object *item = json_object_array_get_idx(list, i);
			if (afbt_streq(json_object_get_string(afbt_jget(item, "event")), name)) {
				struct json_object *data = afbt_jget(item, "data");
				return data ? json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN) : "null";
			}
		}
		afbt_msleep(20);
	} while (afbt_now() < end);
	afbt_fail("the service did not receive the event %s", name);
}

static void t_initresult(void)
{
	struct afbt_resp *r = GET("/api/service/initresult");

	CHECK_REPLY(r, 200, "success");
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.status")), 0);
	CHECK_STR(afbt_jstr(r, "response.result.request.status"), "success");
	CHECK_STR(afbt_jstr(r, "response.result.response.ping"), "pong");
}

static void t_subscribe_push(void)
{
	struct afbt_resp *r;

	CHECK_REPLY(GET("/api/hello/eventadd?tag=svc&name=svcevent"), 200, "success");
	r = GET("/api/service/subscribe?tag=svc");
	CHECK_REPLY(r, 200, "success");
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.status")), 0);
	r = GET("/api/hello/eventpush?tag=svc&data=%s", afbt_urlencode("{\"v\":1}"));
	CHECK_REPLY(r, 200, "success");
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.count")), 1);
	CHECK_STR(wait_event("hello/svcevent"), "{\"v\":1}");

	/* an event the service did not subscribe to does not reach it */
	CHECK_REPLY(GET("/api/hello/eventadd?tag=other&name=otherevent"), 200, "success");
	r = GET("/api/hello/eventpush?tag=other&data=2");
	CHECK_REPLY(r, 200, "success");
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.count")), 0);

	/* dropping the event removes the subscription */
	CHECK_REPLY(GET("/api/hello/eventdel?tag=svc"), 200, "success");
	CHECK_REPLY(GET("/api/hello/eventdel?tag=other"), 200, "success");
}

static void t_broadcast(void)
{
	struct afbt_resp *r = GET("/api/hello/broadcast?name=bcast&data=%s", afbt_urlencode("[7,\"x\"]"));

	CHECK_REPLY(r, 200, "success");
	CHECK_INT(json_object_get_int(afbt_json(r, "response.count")), >=, 1);
	CHECK_STR(wait_event("hello/bcast"), "[7,\"x\"]");

	r = GET("/api/hello/eventsender?name=sender");
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(wait_event("hello/sender"), "null");
}

static void check_service_call(const char *verb)
{
	struct afbt_resp *r = GET("/api/service/%s?api=hello&verb=echo&args=%s", verb, afbt_urlencode("{\"q\":3}"));

	CHECK_REPLY(r, 200, "success");
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.status")), 0);
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.result.response.q")), 3);
	r = GET("/api/service/%s?api=nosuchapi&verb=x", verb);
	CHECK_REPLY(r, 500, "failed");
	CHECK_STR(afbt_info(r), "unknown-api");
	r = GET("/api/service/%s?api=hello&verb=pingfail", verb);
	CHECK_REPLY(r, 500, "failed");
	CHECK_STR(afbt_info(r), "failed");
}

static void t_call(void)
{
	check_service_call("call");
}

static void t_callsync(void)
{
	check_service_call("callsync");
}

static void t_stop(void)
{
	afbt_daemon_stop(D);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	D = afbt_daemon_start("--binding", afbt_binding("hello"), "--binding", afbt_test_binding("service"), NULL);

	afbt_run("initresult", t_initresult);
	afbt_run("subscribe-push", t_subscribe_push);
	afbt_run("broadcast", t_broadcast);
	afbt_run("service-call", t_call);
	afbt_run("service-callsync", t_callsync);
	afbt_run("stop", t_stop);
	return afbt_done();
}
