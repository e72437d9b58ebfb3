/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bindings of API version 1: shared objects exporting afbBindingV1Register.
 */
#pragma once

#include "afb/afb-event-itf.h"

struct apiset;
struct evt;

/*
 * Loads the v1 binding 'path' opened as 'handle' and adds its api to
 * 'set'. Returns 0 when it is not a v1 binding (no afbBindingV1Register),
 * 1 when loaded, or -errno after logging one error line naming the file
 * and the reason.
 */
int api_so_v1_load(struct apiset *set, const char *path, void *handle);

/* The evt behind an afb_event made by a binding, or NULL when not one of ours. */
struct evt *api_so_v1_evt(struct afb_event event);

/* Wraps 'evt' (a reference is given) as a v1 event. */
struct afb_event api_so_v1_event(struct evt *evt);

/* Releases what bindings left (the shared service session). */
void api_so_v1_cleanup(void);
