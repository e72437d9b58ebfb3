/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A v1 binding built with our header runs on the 2017 binder: this test
 * plays that binder. Its interface tables have exactly the 2017 sizes
 * (request 20 slots, daemon 13, event 4, service 2) and each ends at the
 * end of a page followed by an inaccessible one: an inline function of
 * the header reaching a slot the 2017 binder lacks faults, and the test
 * dies. The binding (bindings/tests/v1-abi.c) calls every inline
 * function; each 2017 slot must have been called.
 */
#define AFB_BINDING_VERSION 0
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <json-c/json.h>
#include <afb/afb-binding.h>
#include "unit.h"

static int req_calls[20], daemon_calls[13], event_calls[4], service_calls[2];
static void *context;
static void (*context_free)(void *);

/* 'slots' function pointers ending exactly at a page whose next page is inaccessible */
static void *fenced_table(const void *slots, size_t count)
{
	long page = sysconf(_SC_PAGESIZE);
	char *area = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *table;

	if (area == MAP_FAILED)
		return NULL;
	table = area + page - count * sizeof(void *);
	memcpy(table, slots, count * sizeof(void *));
	mprotect(area, (size_t)page, PROT_READ);
	mprotect(area + page, (size_t)page, PROT_NONE);
	return table;
}

static const struct afb_req_itf *req_itf;
static const struct afb_event_itf *event_itf;
static int the_request, the_event;

/* ---- the 2017 request table ---- */
static struct json_object *args;
static struct json_object *r_json(void *c) { req_calls[0]++; return args; }
static struct afb_arg r_get(void *c, const char *n) { struct afb_arg a = { n, "v", NULL }; req_calls[1]++; return a; }
static void r_success(void *c, struct json_object *o, const char *i) { req_calls[2]++; json_object_put(o); }
static void r_fail(void *c, const char *s, const char *i) { req_calls[3]++; }
static void r_vsuccess(void *c, struct json_object *o, const char *f, va_list a) { req_calls[4]++; json_object_put(o); }
static void r_vfail(void *c, const char *s, const char *f, va_list a) { req_calls[5]++; }
static void *r_context_get(void *c) { req_calls[6]++; return context; }
static void r_context_set(void *c, void *v, void (*f)(void *))
{
	req_calls[7]++;
	if (context && context_free && context != v)
		context_free(context);
	context = v;
	context_free = f;
}
static void r_addref(void *c) { req_calls[8]++; }
static void r_unref(void *c) { req_calls[9]++; }
static void r_session_close(void *c) { req_calls[10]++; }
static int r_set_loa(void *c, unsigned l) { req_calls[11]++; return 1; }
static int r_subscribe(void *c, struct afb_event e) { req_calls[12]++; return 0; }
static int r_unsubscribe(void *c, struct afb_event e) { req_calls[13]++; return 0; }
static void r_subcall(void *c, const char *api, const char *verb, struct json_object *a,
		      void (*cb)(void *, int, struct json_object *), void *cl)
{
	req_calls[14]++;
	json_object_put(a);
	cb(cl, 0, NULL);
}
static int r_subcallsync(void *c, const char *api, const char *verb, struct json_object *a, struct json_object **r)
{
	req_calls[15]++;
	json_object_put(a);
	*r = json_object_new_object();
	return 0;
}
static void r_vverbose(void *c, int l, const char *f, int n, const char *fn, const char *fmt, va_list a)
{
	req_calls[16]++;
}
static struct afb_stored_req *r_store(void *c)
{
	struct afb_req *copy = malloc(sizeof *copy);

	req_calls[17]++;
	copy->itf = req_itf;
	copy->closure = c;
	return (struct afb_stored_req *)copy;
}
static void r_subcall_req(void *c, const char *api, const char *verb, struct json_object *a,
			  void (*cb)(void *, int, struct json_object *, struct afb_req), void *cl)
{
	struct afb_req req = { req_itf, c };

	req_calls[18]++;
	json_object_put(a);
	cb(cl, 0, NULL, req);
}
static int r_has_permission(void *c, const char *p) { req_calls[19]++; return 1; }

static const void *const req_slots[20] = {
	r_json, r_get, r_success, r_fail, r_vsuccess, r_vfail, r_context_get, r_context_set, r_addref, r_unref,
	r_session_close, r_set_loa, r_subscribe, r_unsubscribe, r_subcall, r_subcallsync, r_vverbose, r_store,
	r_subcall_req, r_has_permission
};

/* ---- the 2017 event table ---- */
static int e_broadcast(void *c, struct json_object *o) { event_calls[0]++; json_object_put(o); return 0; }
static int e_push(void *c, struct json_object *o) { event_calls[1]++; json_object_put(o); return 0; }
static void e_drop(void *c) { event_calls[2]++; }
static const char *e_name(void *c) { event_calls[3]++; return "event"; }
static const void *const event_slots[4] = { e_broadcast, e_push, e_drop, e_name };

/* ---- the 2017 daemon table ---- */
static int d_broadcast(void *c, const char *n, struct json_object *o) { daemon_calls[0]++; json_object_put(o); return 0; }
static struct sd_event *d_loop(void *c) { daemon_calls[1]++; return NULL; }
static struct sd_bus *d_user_bus(void *c) { daemon_calls[2]++; return NULL; }
static struct sd_bus *d_system_bus(void *c) { daemon_calls[3]++; return NULL; }
static void d_vverbose_v1(void *c, int l, const char *f, int n, const char *fmt, va_list a) { daemon_calls[4]++; }
static struct afb_event d_make_event(void *c, const char *n)
{
	struct afb_event e = { event_itf, &the_event };

	daemon_calls[5]++;
	return e;
}
static int d_rootdir_fd(void *c) { daemon_calls[6]++; return -1; }
static int d_open_locale(void *c, const char *f, int fl, const char *l) { daemon_calls[7]++; return -1; }
static int d_queue_job(void *c, void (*cb)(int, void *), void *a, void *g, int t) { daemon_calls[8]++; return 0; }
static void d_vverbose_v2(void *c, int l, const char *f, int n, const char *fn, const char *fmt, va_list a)
{
	daemon_calls[9]++;
}
static struct afb_req d_unstore(void *c, struct afb_stored_req *s) { struct afb_req r = { 0 }; daemon_calls[10]++; return r; }
static int d_require_api(void *c, const char *n, int i) { daemon_calls[11]++; return 0; }
static int d_rename_api(void *c, const char *n) { daemon_calls[12]++; return 0; }
static const void *const daemon_slots[13] = {
	d_broadcast, d_loop, d_user_bus, d_system_bus, d_vverbose_v1, d_make_event, d_rootdir_fd,
	d_open_locale, d_queue_job, d_vverbose_v2, d_unstore, d_require_api, d_rename_api
};

/* ---- the 2017 service table ---- */
static void s_call(void *c, const char *api, const char *verb, struct json_object *a,
		   void (*cb)(void *, int, struct json_object *), void *cl)
{
	service_calls[0]++;
	json_object_put(a);
	cb(cl, 0, NULL);
}
static int s_call_sync(void *c, const char *api, const char *verb, struct json_object *a, struct json_object **r)
{
	service_calls[1]++;
	json_object_put(a);
	*r = NULL;
	return 0;
}
static const void *const service_slots[2] = { s_call, s_call_sync };

int main(void)
{
	const struct afb_binding_v1 *(*reg)(const struct afb_binding_interface_v1 *);
	int (*init)(struct afb_service);
	const struct afb_binding_v1 *desc;
	struct afb_binding_interface_v1 itf;
	const char *dir = getenv("AFB_TEST_BINDINGS_DIR");
	struct afb_service service;
	struct afb_req req;
	char path[4096];
	void *handle;
	int i;

	snprintf(path, sizeof path, "%s/v1-abi.so", dir ? dir : ".");
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	CHECK(handle != NULL);
	if (!handle) {
		fprintf(stderr, "%s\n", dlerror());
		UNIT_END();
	}
	req_itf = fenced_table(req_slots, 20);
	event_itf = fenced_table(event_slots, 4);
	itf.daemon.itf = fenced_table(daemon_slots, 13);
	itf.daemon.closure = &the_request;
	itf.verbosity = 3;
	itf.mode = AFB_MODE_LOCAL;
	service.itf = fenced_table(service_slots, 2);
	service.closure = &the_request;
	CHECK(req_itf && event_itf && itf.daemon.itf && service.itf);

	reg = (const struct afb_binding_v1 *(*)(const struct afb_binding_interface_v1 *))dlsym(handle, "afbBindingV1Register");
	init = (int (*)(struct afb_service))dlsym(handle, "afbBindingV1ServiceInit");
	CHECK(reg && init);
	desc = reg(&itf);
	CHECK(desc && desc->type == AFB_BINDING_VERSION_1 && desc->v1.verbs && !strcmp(desc->v1.verbs[0].name, "all"));
	CHECK_INT(init(service), 0);

	/* every inline function, on tables of the 2017 sizes */
	args = json_object_new_object();
	req.itf = req_itf;
	req.closure = &the_request;
	desc->v1.verbs[0].callback(req);
	json_object_put(args);

	for (i = 0; i < 20; i++)
		if (!req_calls[i])
			fprintf(stderr, "request slot %d was not called\n", i), unit_failures++;
	for (i = 0; i < 13; i++)
		if (!daemon_calls[i] && i != 10)	/* unstore_req: v1's afb_req_unstore is inline */
			fprintf(stderr, "daemon slot %d was not called\n", i), unit_failures++;
	for (i = 0; i < 4; i++)
		if (!event_calls[i])
			fprintf(stderr, "event slot %d was not called\n", i), unit_failures++;
	for (i = 0; i < 2; i++)
		if (!service_calls[i])
			fprintf(stderr, "service slot %d was not called\n", i), unit_failures++;
	/* get; set; clear; afb_req_context: get, create, set; afb_req_context: get (found) */
	CHECK_INT(req_calls[6], 3);
	CHECK_INT(req_calls[7], 3);
	CHECK(context && !strcmp(context, "context"));
	if (context_free && context)
		context_free(context);
	UNIT_END();
}
