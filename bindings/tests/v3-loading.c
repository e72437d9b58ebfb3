/* SPDX-License-Identifier: Apache-2.0 */
/*
 * v3-loading: test bindings of binding API v3 (and v2) for the loader,
 * one per define (bindings/meson.build builds each):
 *
 *   V3_NOROOT        a descriptor without afbBindingV3root: refused
 *   V3_CLASH         afbBindingV3.preinit and afbBindingV3entry: refused
 *   V3_BADNAME       api "bad name": refused
 *   V3_PREINITFAIL   its preinit fails: refused
 *   V3_INITFAIL      its init fails: the daemon does not start
 *   V3_ORDER         entry only, making apis whose starts are ordered by
 *                    classes and required apis (not by their names)
 *   V3_VDYN          the 2018 "dynapi": afbBindingVdyn only
 *   V2_INCOMPLETE    afbBindingV2 without afbBindingV2data: refused
 *   V3_SPIN          its preinit spins on the CPU for ever: stopped by
 *                    --load-timeout
 *   V3_SLEEPY        its preinit sleeps 2 s (no CPU time): loads
 *
 * V3_ORDER's apis record the order of their pre-inits and inits; its
 * verb "order/list" gives it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>

#if defined(V2_INCOMPLETE)
#define AFB_BINDING_VERSION 2
#define AFB_BINDING_DATA_NAME_V2 not_the_data_of_the_binding
#include <afb/afb-binding.h>

static void ping(afb_req req)
{
	afb_req_success(req, NULL, NULL);
}

static const afb_verb_v2 verbs[] = { { .verb = "ping", .callback = ping }, { .verb = NULL } };
const afb_binding_v2 afbBindingV2 = { .api = "incomplete", .verbs = verbs };

#else

#if defined(V3_NOROOT)
#define AFB_BINDING_NO_ROOT
#endif
#if defined(V3_VDYN)
#define AFB_BINDING_WANT_DYNAPI
#endif
#define AFB_BINDING_VERSION 3
#include <afb/afb-binding.h>

static void ping(afb_req_t req)
{
	afb_req_reply(req, json_object_new_string(afb_api_name(afb_req_get_api(req))), NULL, NULL);
}

static const struct afb_verb_v3 verbs[] = { { .verb = "ping", .callback = ping }, { .verb = NULL } };

static __attribute__((unused)) int fails(afb_api_t api)
{
	AFB_API_ERROR(api, "failing on purpose");
	return -1;
}

#if defined(V3_NOROOT)
const struct afb_binding_v3 afbBindingV3 = { .api = "noroot", .verbs = verbs };
#elif defined(V3_CLASH)
static int preinit(afb_api_t api) { return 0; }
const struct afb_binding_v3 afbBindingV3 = { .api = "clash", .verbs = verbs, .preinit = preinit };
int afbBindingV3entry(afb_api_t api) { return 0; }
#elif defined(V3_BADNAME)
const struct afb_binding_v3 afbBindingV3 = { .api = "bad name", .verbs = verbs };
#elif defined(V3_PREINITFAIL)
const struct afb_binding_v3 afbBindingV3 = { .api = "preinitfail", .verbs = verbs, .preinit = fails };
#elif defined(V3_INITFAIL)
const struct afb_binding_v3 afbBindingV3 = { .api = "initfail3", .verbs = verbs, .init = fails };
#elif defined(V3_SPIN)
static int spin(afb_api_t api)
{
	volatile unsigned long n = 0;

	AFB_API_NOTICE(api, "spinning");
	for (;;)
		n++;
	return 0;
}
const struct afb_binding_v3 afbBindingV3 = { .api = "spin", .verbs = verbs, .preinit = spin };
#elif defined(V3_SLEEPY)
static int sleepy(afb_api_t api)
{
	struct timespec ts = { 2, 0 };

	while (nanosleep(&ts, &ts) < 0)
		;
	return 0;
}
const struct afb_binding_v3 afbBindingV3 = { .api = "sleepy", .verbs = verbs, .preinit = sleepy };
#elif defined(V3_VDYN)
static int dynpreinit(void *closure, afb_dynapi *api)
{
	return afb_dynapi_set_verbs_v2(api, NULL) < 0 ? -1 : afb_api_set_verbs_v3(api, verbs);
}

int afbBindingVdyn(afb_dynapi *root)
{
	AFB_DYNAPI_NOTICE(root, "the dynapi binding makes its api");
	return afb_dynapi_new_api(root, "vdyn", "made by afbBindingVdyn", 0, dynpreinit, NULL);
}
#elif defined(V3_ORDER)
/*
 * Apis, in name order: order-a requires the class "base" (provided by
 * order-z) and the api order-m; order-m requires order-y. So the starts
 * must be: order-z and order-y (order-m's requirement) before order-m,
 * before order-a.
 */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char order[512];

static void note(const char *what, afb_api_t api)
{
	pthread_mutex_lock(&lock);
	if (strlen(order) + strlen(what) + strlen(afb_api_name(api)) + 3 < sizeof order)
		strcat(strcat(strcat(strcat(order, order[0] ? " " : ""), what), ":"), afb_api_name(api));
	pthread_mutex_unlock(&lock);
}

static int init(afb_api_t api)
{
	note("init", api);
	return 0;
}

static void list(afb_req_t req)
{
	pthread_mutex_lock(&lock);
	afb_req_reply(req, json_object_new_string(order), NULL, NULL);
	pthread_mutex_unlock(&lock);
}

static const struct afb_verb_v3 list_verbs[] = { { .verb = "list", .callback = list }, { .verb = NULL } };

static int make(void *closure, afb_api_t api)
{
	const char *const *spec = closure;

	note("preinit", api);
	if (afb_api_set_verbs_v3(api, spec[0][0] == 'l' ? list_verbs : verbs) < 0 || afb_api_on_init(api, init) < 0)
		return -1;
	if (spec[1] && afb_api_provide_class(api, spec[1]) < 0)
		return -1;
	if (spec[2] && afb_api_require_class(api, spec[2]) < 0)
		return -1;
	if (spec[3] && afb_api_require_api(api, spec[3], 0) < 0)
		return -1;
	afb_api_seal(api);
	return 0;
}

/* name, provides, requires class, requires api */
static const char *const specs[][4] = {
	{ "order-a", NULL, "base", "order-m" },
	{ "order-m", NULL, NULL, "order-y" },
	{ "order-y", NULL, NULL, NULL },
	{ "order-z", "base other", NULL, NULL },
	{ "list", NULL, NULL, NULL },
};

int afbBindingV3entry(afb_api_t root)
{
	unsigned i;

	AFB_NOTICE("the entry of %s makes its apis", afb_api_name(root));
	/* before it starts, the root api can't make events */
	if (afb_api_make_event(root, "never") != NULL)
		return -1;
	for (i = 0; i < sizeof specs / sizeof *specs; i++)
		if (!afb_api_new_api(root, strcmp(specs[i][0], "list") ? specs[i][0] : "order", NULL, 0, make,
				     (void *)specs[i]))
			return -1;
	return 0;
}
#endif

#endif
