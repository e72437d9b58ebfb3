/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The api "monitor": get, set, trace (see monitor.h, trace.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <json-c/json.h>
#include "monitor.h"
#include "trace.h"
#include "apiset.h"
#include "fault.h"
#include "verbose.h"
#include "xreq.h"
#include "perm.h"

/* the monitor's key in sessions (its traces), and its name in fault reports */
static const struct fault_site monitor_key = { NULL, "monitor" };

/* ---- verbosity levels ---- */

/* 2017 scale: error 0, warning 1, notice 2, info 3, debug 4 */
static const char *const level_names[5] = { "error", "warning", "notice", "info", "debug" };
/* the same levels in the scale of verbose.h */
static const int level_of_2017[5] = { 0, 1, 1, 2, 3 };

int monitor_level_of_json(struct json_object *value, int *level)
{
	const char *name;
	int i, n;

	if (json_object_is_type(value, json_type_int)) {
		n = json_object_get_int(value);
		*level = level_of_2017[n < 0 ? 0 : n > 4 ? 4 : n];
		return 0;
	}
	if (!json_object_is_type(value, json_type_string))
		return -1;
	name = json_object_get_string(value);
	for (i = 0; i < 5; i++)
		if (!strcasecmp(name, level_names[i])) {
			*level = level_of_2017[i];
			return 0;
		}
	return -1;
}

struct json_object *monitor_level_to_json(int level)
{
	static const int to_2017[4] = { 0, 1, 3, 4 };

	if (level >= 0 && level <= 3)
		return json_object_new_string(level_names[to_2017[level]]);
	/* out of range (-q, -vvvv): the 2017 scale's integer */
	return json_object_new_int(level < 0 ? level : level + 1);
}

static int global_level(void)
{
	return __atomic_load_n(&verbosity, __ATOMIC_RELAXED);
}

static int api_level(struct api *api)
{
	return api->itf->get_verbosity ? api->itf->get_verbosity(api->closure) : global_level();
}

static void set_api_level(struct api *api, int level)
{
	if (api->itf->set_verbosity)
		api->itf->set_verbosity(api->closure, level);
}

static void set_all_levels(int level)
{
	struct api **list = apiset_list(main_apiset), **p;

	for (p = list; p && *p; p++)
		set_api_level(*p, level);
	apiset_list_free(list);
}

/* Sets the level of 'name': "" global, "*" every api, else that api (unknown: ignored). */
static void set_level(const char *name, int level)
{
	struct api *api;

	if (!*name) {
		__atomic_store_n(&verbosity, level, __ATOMIC_RELAXED);
	} else if (!strcmp(name, "*")) {
		set_all_levels(level);
	} else if ((api = apiset_lookup(main_apiset, name)) != NULL) {
		set_api_level(api, level);
		api_unref(api);
	}
}

/* ---- get ---- */

/* Adds the verbosity of 'name' to 'result' ("*": every api, by its registered name). */
static void get_level(struct json_object *result, const char *name)
{
	struct api **list, **p, *api;

	if (!*name) {
		json_object_object_add(result, "", monitor_level_to_json(global_level()));
	} else if (!strcmp(name, "*")) {
		list = apiset_list(main_apiset);
		for (p = list; p && *p; p++)
			json_object_object_add(result, (*p)->name, monitor_level_to_json(api_level(*p)));
		apiset_list_free(list);
	} else if ((api = apiset_lookup(main_apiset, name)) != NULL) {
		json_object_object_add(result, name, monitor_level_to_json(api_level(api)));
		api_unref(api);
	}
}

/* Adds the description of 'name' (unknown: left out; no description: null). */
static void get_api(struct json_object *result, const char *name)
{
	struct api *api = apiset_lookup(main_apiset, name);

	if (api) {
		json_object_object_add(result, name, api->itf->describe ? api->itf->describe(api->closure) : NULL);
		api_unref(api);
	}
}

static void get_everything(struct json_object *result, void (*get)(struct json_object *, const char *), int verbosity)
{
	struct api **list, **p;

	if (verbosity) {
		get(result, "");
		get(result, "*");
	} else {
		/* the same keys as the verbosity's "*": each api once, by its name */
		list = apiset_list(main_apiset);
		for (p = list; p && *p; p++)
			get(result, (*p)->name);
		apiset_list_free(list);
	}
}

/*
 * The value of 'key' of a get request (2017): an object gives its keys,
 * an array its elements, a string itself; anything else is "everything"
 * when true, nothing when false. Absent or null: no key in the response.
 */
static void get_key(struct json_object *request, struct json_object *response, const char *key,
		    void (*get)(struct json_object *, const char *))
{
	struct json_object *value, *result;
	size_t i, n;

	if (!json_object_object_get_ex(request, key, &value) || !value)
		return;
	result = json_object_new_object();
	if (json_object_is_type(value, json_type_object)) {
		json_object_object_foreach(value, name, ignored) {
			(void)ignored;
			get(result, name);
		}
	} else if (json_object_is_type(value, json_type_array)) {
		n = json_object_array_length(value);
		for (i = 0; i < n; i++)
			get(result, json_object_get_string(json_object_array_get_idx(value, i)));
	} else if (json_object_is_type(value, json_type_string)) {
		get(result, json_object_get_string(value));
	} else if (json_object_get_boolean(value)) {
		get_everything(result, get, get == get_level);
	}
	json_object_object_add(response, key, result);
}

static void verb_get(struct xreq *x)
{
	struct json_object *request = xreq_json(x), *response = json_object_new_object(), *v, *t;
	unsigned long queued, dropped;

	if (json_object_is_type(request, json_type_object)) {
		get_key(request, response, "verbosity", get_level);
		get_key(request, response, "apis", get_api);
		/* this daemon's: counts of the trace records */
		if (json_object_object_get_ex(request, "trace", &v) && json_object_get_boolean(v)) {
			trace_counts(&queued, &dropped);
			t = json_object_new_object();
			json_object_object_add(t, "queued", json_object_new_int64((int64_t)queued));
			json_object_object_add(t, "dropped", json_object_new_int64((int64_t)dropped));
			json_object_object_add(response, "trace", t);
		}
	}
	xreq_reply(x, NULL, NULL, response);
}

/* ---- set ---- */

static void verb_set(struct xreq *x)
{
	struct json_object *request = xreq_json(x), *v;
	int level;

	if (json_object_is_type(request, json_type_object) && json_object_object_get_ex(request, "verbosity", &v) && v) {
		if (json_object_is_type(v, json_type_object)) {
			json_object_object_foreach(v, name, value) {
				if (monitor_level_of_json(value, &level) == 0)
					set_level(name, level);
			}
		} else if (monitor_level_of_json(v, &level) == 0) {
			set_level("", level);
			set_all_levels(level);
		}
	}
	xreq_reply(x, NULL, NULL, NULL);
}

/* ---- trace ---- */

static void verb_trace(struct xreq *x)
{
	struct json_object *request = xreq_json(x), *add = NULL, *drop = NULL;
	struct trace *trace;
	char *errors;

	if (!json_object_is_type(request, json_type_object)
	    || (!json_object_object_get_ex(request, "add", &add) && !json_object_object_get_ex(request, "drop", &drop))) {
		xreq_reply(x, NULL, NULL, NULL);
		return;
	}
	json_object_object_get_ex(request, "drop", &drop);
	trace = trace_of_request(x, &monitor_key);
	if (!trace) {
		xreq_reply(x, "error-detected", "allocation of trace failed", NULL);
		return;
	}
	errors = trace_add_drop(trace, x, add, drop);
	xreq_reply(x, errors ? "error-detected" : NULL, errors, NULL);
	free(errors);
}

/* ---- the api ---- */

#define PERM_PREFIX "urn:AGL:permission:monitor:public:"

/* the verbs and their permissions (2017): one of 'perm' or 'alt' is needed */
static const struct verb {
	const char *name;
	void (*run)(struct xreq *x);
	const char *perm, *alt;
} verbs[] = {
	{ "get", verb_get, PERM_PREFIX "get", PERM_PREFIX "set" },
	{ "set", verb_set, PERM_PREFIX "set", NULL },
	{ "trace", verb_trace, PERM_PREFIX "trace", NULL },
};

static int allowed(struct xreq *x, const struct verb *v)
{
	return perm_check(x, v->perm) || (v->alt && perm_check(x, v->alt));
}

static void api_call(void *closure, struct xreq *x)
{
	size_t i;

	x->api_key = &monitor_key;
	for (i = 0; i < sizeof verbs / sizeof *verbs; i++)
		if (!strcasecmp(verbs[i].name, x->verb)) {
			if (allowed(x, &verbs[i]))
				verbs[i].run(x);
			else
				xreq_reply(x, "denied", "authorisation refused", NULL);
			xreq_unref(x);
			return;
		}
	xreq_fail_f(x, "unknown-verb", "verb %s unknown within api monitor", x->verb);
	xreq_unref(x);
}

/* The description (OpenAPI 3), as the 2017 api gave it: title, version, paths. */
static const char description[] =
	"{\"openapi\":\"3.0.0\","
	"\"info\":{\"description\":\"\",\"title\":\"monitor\",\"version\":\"1.0\","
		"\"x-binding-c-generator\":{\"api\":\"monitor\",\"private\":true}},"
	"\"paths\":{"
	"\"/get\":{\"description\":\"Get monitoring data.\",\"get\":{"
		"\"x-permissions\":{\"anyOf\":[{\"permission\":\"urn:AGL:permission:monitor:public:get\"},"
			"{\"permission\":\"urn:AGL:permission:monitor:public:set\"}]},"
		"\"parameters\":["
		"{\"in\":\"query\",\"name\":\"verbosity\",\"required\":false,\"schema\":{}},"
		"{\"in\":\"query\",\"name\":\"apis\",\"required\":false,\"schema\":{}}],"
		"\"responses\":{\"200\":{\"description\":\"A complex object array response\"}}}},"
	"\"/set\":{\"description\":\"Set monitoring actions.\",\"get\":{"
		"\"x-permissions\":{\"permission\":\"urn:AGL:permission:monitor:public:set\"},"
		"\"parameters\":[{\"in\":\"query\",\"name\":\"verbosity\",\"required\":false,\"schema\":{}}],"
		"\"responses\":{\"200\":{\"description\":\"A complex object array response\"}}}},"
	"\"/trace\":{\"description\":\"Set monitoring actions.\",\"get\":{"
		"\"x-permissions\":{\"permission\":\"urn:AGL:permission:monitor:public:trace\"},"
		"\"parameters\":["
		"{\"in\":\"query\",\"name\":\"add\",\"required\":false,\"schema\":{}},"
		"{\"in\":\"query\",\"name\":\"drop\",\"required\":false,\"schema\":{}}],"
		"\"responses\":{\"200\":{\"description\":\"A complex object array response\"}}}}"
	"}}";

static struct json_object *api_describe(void *closure)
{
	return json_tokener_parse(description);
}

static const struct api_itf monitor_itf = {
	.call = api_call,
	.describe = api_describe,
};

int monitor_add(struct apiset *set)
{
	return apiset_add(set, "monitor", NULL, &monitor_itf);
}
