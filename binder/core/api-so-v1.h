/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bindings of API version 1: shared objects exporting afbBindingV1Register.
 */
#pragma once

#include "afb/afb-event-itf.h"

struct apiset;
struct evt;

/*
 * Loads the binding 'path' and adds its api to 'set'. On failure logs one
 * error line naming the file and the reason and returns -errno.
 */
int api_so_v1_load(struct apiset *set, const char *path);

/* Loads every "*.so" below the colon-separated directories 'dirs'. */
int api_so_v1_load_dirs(struct apiset *set, const char *dirs);

/* The evt behind an afb_event made by a binding, or NULL when not one of ours. */
struct evt *api_so_v1_evt(struct afb_event event);

/* Wraps 'evt' (a reference is given) as a v1 event. */
struct afb_event api_so_v1_event(struct evt *evt);

/* Releases what bindings left (the shared service session). */
void api_so_v1_cleanup(void);
