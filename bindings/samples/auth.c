/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth: sample binding of the session flags and the level of assurance
 * (LOA).
 *
 * A client first calls auth/login with the token of its session: the LOA
 * of the api becomes 1 and the token is renewed (the new token is in the
 * reply, request.token). auth/check and auth/refresh then need the new
 * token and LOA >= 1. auth/logout resets the LOA to 0 and frees the
 * context of the api at the end of the request.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdlib.h>

#include <json-c/json.h>
#include <afb/afb-binding.h>

static const struct afb_binding_interface *afbitf;

static struct json_object *loa_object(int loa)
{
	struct json_object *obj = json_object_new_object();

	json_object_object_add(obj, "loa", json_object_new_int(loa));
	return obj;
}

/* LOA_EQ_0 | RENEW: sets the LOA to 1 */
static void login(struct afb_req req)
{
	if (!afb_req_session_set_LOA(req, 1)) {
		afb_req_fail(req, "failed", "can't set the level of assurance");
		return;
	}
	NOTICE(afbitf, "login");
	afb_req_success(req, loa_object(1), "logged in");
}

/* LOA_GE_1: only replies, the daemon did the check */
static void check(struct afb_req req)
{
	afb_req_success(req, NULL, "authorized");
}

/* LOA_GE_1 | RENEW: the daemon renews the token */
static void refresh(struct afb_req req)
{
	afb_req_success(req, NULL, "token refreshed");
}

/* LOA_GE_1 | CLOSE: the daemon resets the LOA at the end of the request */
static void logout(struct afb_req req)
{
	NOTICE(afbitf, "logout");
	afb_req_success(req, loa_object(0), "logged out");
}

static const struct afb_verb_desc_v1 binding_methods[] = {
	{ .name = "login",   .session = AFB_SESSION_LOA_EQ_0 | AFB_SESSION_RENEW, .callback = login,   .info = "Sets the LOA to 1 and renews the token" },
	{ .name = "check",   .session = AFB_SESSION_LOA_GE_1,                     .callback = check,   .info = "Checks that the LOA is at least 1" },
	{ .name = "refresh", .session = AFB_SESSION_LOA_GE_1 | AFB_SESSION_RENEW, .callback = refresh, .info = "Renews the token" },
	{ .name = "logout",  .session = AFB_SESSION_LOA_GE_1 | AFB_SESSION_CLOSE, .callback = logout,  .info = "Resets the LOA to 0" },
	{ .name = NULL }
};

static const struct afb_binding binding_description = {
	.type = AFB_BINDING_VERSION_1,
	.v1 = {
		.prefix = "auth",
		.info = "Sample binding of authentication with the LOA",
		.methods = binding_methods
	}
};

const struct afb_binding *afbBindingV1Register(const struct afb_binding_interface *itf)
{
	afbitf = itf;
	return &binding_description;
}
