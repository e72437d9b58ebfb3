/* SPDX-License-Identifier: Apache-2.0 */
/* badname: declares the invalid api name "bad/name" (the slash is forbidden): refused. */
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
	.type = AFB_BINDING_VERSION_1,
	.v1 = { .prefix = "bad/name", .info = "invalid api name", .verbs = verbs }
};

const struct afb_binding *afbBindingV1Register(const struct afb_binding_interface *itf)
{
	(void)itf;
	return &binding_description;
}
