/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flags: test binding with one verb per session flag of the binding API v1.
 *
 * Every flag verb replies {"verb":<its name>}: reaching it means that the
 * daemon accepted the session requirements. setloa sets the LOA of the
 * api and ctxset/ctxget observe the context that CLOSE frees.
 *
 * The verbs are declared in the positional style of the published
 * bindings ({name, session, callback, info} and '.verbs ='), where the
 * samples use the named fields of the binding document ('.methods =').
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <afb/afb-binding.h>

static const struct afb_binding_interface *afbitf;

static void reply_verb(struct afb_req req, const char *verb)
{
	struct json_object *obj = json_object_new_object();

	json_object_object_add(obj, "verb", json_object_new_string(verb));
	afb_req_success(req, obj, NULL);
}

static void none(struct afb_req req)     { reply_verb(req, "none"); }
static void check(struct afb_req req)    { reply_verb(req, "check"); }
static void renew(struct afb_req req)    { reply_verb(req, "renew"); }
static void close_(struct afb_req req)   { reply_verb(req, "close"); }
static void create(struct afb_req req)   { reply_verb(req, "create"); }
static void loa_ge_1(struct afb_req req) { reply_verb(req, "loa_ge_1"); }
static void loa_le_0(struct afb_req req) { reply_verb(req, "loa_le_0"); }
static void loa_eq_1(struct afb_req req) { reply_verb(req, "loa_eq_1"); }
static void loa_ge_2(struct afb_req req) { reply_verb(req, "loa_ge_2"); }

/* arg level: afb_req_session_set_LOA, replies {"done":0|1} */
static void setloa(struct afb_req req)
{
	const char *text = afb_req_value(req, "level");
	struct json_object *obj;
	unsigned long level;
	char *end;

	if (text == NULL || *text < '0' || *text > '9') {
		afb_req_fail(req, "invalid-request", "argument 'level' must be a non negative integer");
		return;
	}
	errno = 0;
	level = strtoul(text, &end, 10);
	if (errno != 0 || *end != 0 || level > 0xffffffffUL) {
		afb_req_fail(req, "invalid-request", "argument 'level' must be a non negative integer");
		return;
	}
	obj = json_object_new_object();
	json_object_object_add(obj, "done", json_object_new_int(afb_req_session_set_LOA(req, (unsigned)level)));
	afb_req_success(req, obj, NULL);
}

/* arg value: sets the context to a copy of value (clears it when absent) */
static void ctxset(struct afb_req req)
{
	const char *value = afb_req_value(req, "value");
	char *copy = NULL;

	if (value != NULL && (copy = strdup(value)) == NULL) {
		afb_req_fail(req, "failed", "out of memory");
		return;
	}
	afb_req_context_set(req, copy, copy ? free : NULL);
	afb_req_success(req, NULL, NULL);
}

/* replies {"value":<context or null>} */
static void ctxget(struct afb_req req)
{
	const char *value = afb_req_context_get(req);
	struct json_object *obj = json_object_new_object();

	json_object_object_add(obj, "value", value ? json_object_new_string(value) : NULL);
	afb_req_success(req, obj, NULL);
}

static const struct afb_verb_desc_v1 verbs[] = {
	{ "none",     AFB_SESSION_NONE,     none,     "no session requirement" },
	{ "check",    AFB_SESSION_CHECK,    check,    "requires a valid token" },
	{ "renew",    AFB_SESSION_RENEW,    renew,    "renews the token" },
	{ "close",    AFB_SESSION_CLOSE,    close_,   "resets the LOA and the context after the reply" },
	{ "create",   AFB_SESSION_CREATE,   create,   "LOA_EQ_0 | RENEW" },
	{ "loa_ge_1", AFB_SESSION_LOA_GE_1, loa_ge_1, "requires LOA >= 1" },
	{ "loa_le_0", AFB_SESSION_LOA_LE_0, loa_le_0, "requires LOA <= 0" },
	{ "loa_eq_1", AFB_SESSION_LOA_EQ_1, loa_eq_1, "requires LOA == 1" },
	{ "loa_ge_2", AFB_SESSION_LOA_GE_2, loa_ge_2, "requires LOA >= 2" },
	{ "setloa",   AFB_SESSION_CHECK,    setloa,   "sets the LOA to arg level" },
	{ "ctxset",   AFB_SESSION_NONE,     ctxset,   "sets the context to arg value" },
	{ "ctxget",   AFB_SESSION_NONE,     ctxget,   "gets the context" },
	{ NULL, 0, NULL, NULL }
};

static const struct afb_binding binding_description = {
	.type = AFB_BINDING_VERSION_1,
	.v1 = {
		.info = "Test binding of the session flags",
		.prefix = "flags",
		.verbs = verbs
	}
};

const struct afb_binding *afbBindingV1Register(const struct afb_binding_interface *itf)
{
	afbitf = itf;
	return &binding_description;
}
