/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Session flags and authorisation trees of v2/v3 verbs (auth.h).
 */
#define AFB_BINDING_VERSION 0
#include <json-c/json.h>
#include "afb/afb-auth.h"
#include "afb/afb-session-x2.h"
#include "auth.h"
#include "perm.h"
#include "session.h"
#include "verbose.h"
#include "xreq.h"

/* a tree deeper than this is a binding's mistake (a cycle): refused, not followed */
#define MAX_DEPTH 32

/* the LOA of the session of 'x' for the api serving it (0 without session) */
static unsigned loa_of(struct xreq *x)
{
	struct session *s = xreq_session(x, 0);

	return s ? session_get_loa(s, x->api_key) : 0;
}

static int eval(struct xreq *x, const struct afb_auth *auth, int depth)
{
	if (!auth)
		return 1;
	if (depth > MAX_DEPTH) {
		LOGE("api %s verb %s: its authorisation tree is deeper than %d (a cycle?): refused",
		     x->api, x->verb, MAX_DEPTH);
		return 0;
	}
	switch (auth->type) {
	case afb_auth_No:
		return 0;
	case afb_auth_Token:
		return xreq_has(x, XREQ_VALIDATED);
	case afb_auth_LOA:
		return loa_of(x) >= auth->loa;
	case afb_auth_Permission:
		return perm_check(x, auth->text);
	case afb_auth_Or:
		return eval(x, auth->first, depth + 1) || eval(x, auth->next, depth + 1);
	case afb_auth_And:
		return eval(x, auth->first, depth + 1) && eval(x, auth->next, depth + 1);
	case afb_auth_Not:
		return !eval(x, auth->first, depth + 1);
	case afb_auth_Yes:
		return 1;
	}
	return 0;
}

int auth_eval(struct xreq *x, const struct afb_auth *auth)
{
	return eval(x, auth, 0);
}

int auth_check_verb(struct xreq *x, unsigned flags, const struct afb_auth *auth)
{
	unsigned want = flags & AFB_SESSION_LOA_MASK_X2;

	/* a refusal leaves the session as it was (or unmade): a wrong token harms no one */
	if (flags && !xreq_has(x, XREQ_VALIDATED)) {
		xreq_reply(x, "denied", "invalid token's identity", NULL);
		return -1;
	}
	if (want && loa_of(x) < want) {
		xreq_reply(x, "denied", "invalid LOA", NULL);
		return -1;
	}
	if (auth && !eval(x, auth, 0)) {
		xreq_reply(x, "denied", "authorisation refused", NULL);
		return -1;
	}
	return xreq_renew_close(x, (flags & AFB_SESSION_REFRESH_X2) != 0, (flags & AFB_SESSION_CLOSE_X2) != 0);
}

/* ---- descriptions ---- */

static struct json_object *pair(const char *key, struct json_object *value)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, key, value);
	return o;
}

static struct json_object *describe(const struct afb_auth *auth, int depth)
{
	struct json_object *list;

	if (!auth || depth > MAX_DEPTH)
		return json_object_new_boolean(0);
	switch (auth->type) {
	case afb_auth_Token:
		return pair("session", json_object_new_string("check"));
	case afb_auth_LOA:
		return pair("LOA", json_object_new_int((int)auth->loa));
	case afb_auth_Permission:
		return pair("permission", json_object_new_string(auth->text ? auth->text : ""));
	case afb_auth_Or:
	case afb_auth_And:
		list = json_object_new_array();
		json_object_array_add(list, describe(auth->first, depth + 1));
		json_object_array_add(list, describe(auth->next, depth + 1));
		return pair(auth->type == afb_auth_Or ? "anyOf" : "allOf", list);
	case afb_auth_Not:
		return pair("not", describe(auth->first, depth + 1));
	case afb_auth_Yes:
		return json_object_new_boolean(1);
	case afb_auth_No:
	default:
		return json_object_new_boolean(0);
	}
}

struct json_object *auth_describe(unsigned flags, const struct afb_auth *auth)
{
	struct json_object *list = json_object_new_array();

	if (flags & AFB_SESSION_CLOSE_X2)
		json_object_array_add(list, pair("session", json_object_new_string("close")));
	if (flags)
		json_object_array_add(list, pair("session", json_object_new_string("check")));
	if (flags & AFB_SESSION_REFRESH_X2)
		json_object_array_add(list, pair("token", json_object_new_string("refresh")));
	if (flags & AFB_SESSION_LOA_MASK_X2)
		json_object_array_add(list, pair("LOA", json_object_new_int((int)(flags & AFB_SESSION_LOA_MASK_X2))));
	if (auth)
		json_object_array_add(list, describe(auth, 0));
	return auth_all_of(list);
}

struct json_object *auth_all_of(struct json_object *list)
{
	struct json_object *result;

	switch (json_object_array_length(list)) {
	case 0:
		json_object_put(list);
		return NULL;
	case 1:
		result = json_object_get(json_object_array_get_idx(list, 0));
		json_object_put(list);
		return result;
	default:
		return pair("allOf", list);
	}
}
