/* SPDX-License-Identifier: Apache-2.0 */
/* noverbs: a descriptor whose verb array is NULL: refused. */
#include <afb/afb-binding.h>

static const struct afb_binding binding_description = {
	.type = AFB_BINDING_VERSION_1,
	.v1 = { .prefix = "noverbs", .info = "no verb array", .verbs = NULL }
};

const struct afb_binding *afbBindingV1Register(const struct afb_binding_interface *itf)
{
	(void)itf;
	return &binding_description;
}
