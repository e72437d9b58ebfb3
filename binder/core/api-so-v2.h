/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bindings of API version 2, run as v3 apis carrying a v2 verb array
 * (api-v3.h), with the daemon and service tables of v2 in their
 * afbBindingV2data.
 */
#pragma once

struct apiset;

/*
 * Loads the v2 binding 'path' opened as 'handle' into 'set'. Returns 0
 * when it is not one, 1 when loaded, or -errno after logging the file
 * and the reason.
 */
int api_so_v2_load(struct apiset *set, const char *path, void *handle);
