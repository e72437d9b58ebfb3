/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nosym: a shared object without the entry point afbBindingV1Register.
 * The daemon must refuse to load it. It is built without the version
 * script, so its only exported function has another name.
 */
#include <afb/afb-binding.h>

static const struct afb_verb_desc_v1 verbs[] = {
	{ .name = NULL }
};

static const struct afb_binding binding_description = {
	.type = AFB_BINDING_VERSION_1,
	.v1 = { .prefix = "nosym", .info = "no entry point", .verbs = verbs }
};

/* misspelled on purpose: not the entry point */
const struct afb_binding *afbBindingV1Registered(const struct afb_binding_interface *itf);
const struct afb_binding *afbBindingV1Registered(const struct afb_binding_interface *itf)
{
	(void)itf;
	return &binding_description;
}
