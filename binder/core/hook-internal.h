/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Between hook.c (the list) and hook-points.c (the points). Core only.
 */
#pragma once

#include "hook.h"

/* Marks this thread as running hooks: 0 when it already does (skip the point). */
int hook_enter(void);
void hook_leave(void);

/* OR of the flags of the request hooks matching api, verb and session uuid. */
unsigned hook_req_flags(const char *api, const char *verb, const char *uuid);

/* The next request index (1, 2, ...; 31 bits). */
unsigned hook_next_request_index(void);

/* Sets action, id and time of 'r' and calls the matching hooks. */
void hook_dispatch(struct hook_record *r);
