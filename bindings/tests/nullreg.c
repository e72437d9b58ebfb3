/* SPDX-License-Identifier: Apache-2.0 */
/* nullreg: afbBindingV1Register fails (returns NULL): refused. */
#include <afb/afb-binding.h>

const struct afb_binding *afbBindingV1Register(const struct afb_binding_interface *itf)
{
	(void)itf;
	return NULL;
}
