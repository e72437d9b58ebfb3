/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dup: declares the api "hello", the name of the sample binding: loading
 * both must fail for the second one.
 */
#include <afb/afb-binding.h>

static void ping(struct afb_req req)
{
	afb_req_success(req, NULL, "the duplicate hello");
}

static const struct afb_verb_desc_v1 verbs[] = {
	{ .name = "ping", .session = AFB_SESSION_NONE, .callback = ping, .info = "ping" },
	{ .name = NULL }
};

static const struct afb_binding binding_description = {
	.type = AFB_BINDING_VERSION_1,
	.v1 = { .prefix = "hello", .info = "duplicate of the api hello", .verbs = verbs }
};

const struct afb_binding *afbBindingV1Register(const struct afb_binding_interface *itf)
{
	(void)itf;
	return &binding_description;
}
