/* SPDX-License-Identifier: Apache-2.0 */
/*
 * initfail: a valid api "initfail" whose afbBindingV1ServiceInit fails
 * (returns -1): the daemon must not start.
 */
#include <afb/afb-binding.h>

static const struct afb_binding_interface *afbitf;

static void ping(struct afb_req req)
{
	afb_req_success(req, NULL, NULL);
}

static const struct afb_verb_desc_v1 verbs[] = {
	{ .name = "ping", .session = AFB_SESSION_NONE, .callback = ping, .info = "ping" },
	{ .name = NULL }
};

static const struct afb_binding binding_description = {
	.type = AFB_BINDING_VERSION_1,
	.v1 = { .prefix = "initfail", .info = "service whose init fails", .verbs = verbs }
};

const struct afb_binding *afbBindingV1Register(const struct afb_binding_interface *itf)
{
	afbitf = itf;
	return &binding_description;
}

int afbBindingV1ServiceInit(struct afb_service service)
{
	(void)service;
	ERROR(afbitf, "initfail: failing the service init on purpose");
	return -1;
}
