/* SPDX-License-Identifier: Apache-2.0 */
/* badversion: returns a descriptor of an unknown type (42): refused. */
#include <afb/afb-binding.h>

static void ping(struct afb_req req)
{
	afb_req_success(req, NULL, NULL);
}

static const struct afb_verb_desc_v1 verbs[] = {
	{ .name = "ping", .session = AFB_SESSION_NONE, .callback = ping, .info = "ping" },
	{ .name = NULL }
};

static const struct afb_binding binding_description = {
	.type = (enum afb_binding_type_v1)42,
	.v1 = { .prefix = "badversion", .info = "descriptor of a bad type", .verbs = verbs }
};

const struct afb_binding *afbBindingV1Register(const struct afb_binding_interface *itf)
{
	(void)itf;
	return &binding_description;
}
