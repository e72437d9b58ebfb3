/* SPDX-License-Identifier: Apache-2.0 */
/*
 * <afb/afb-binding.h>: the binding API of afb-daemon, every version.
 *
 * A binding is a shared object that the daemon loads; it is never linked
 * with the daemon: every service reaches it through function tables whose
 * layouts are part of the ABI (slots are never reordered, only appended).
 * The version is chosen per translation unit by AFB_BINDING_VERSION,
 * defined before this header is included:
 *
 *   3  binding API v3 (afbBindingV3 and/or afbBindingV3entry): the one new
 *      bindings should use; see docs/writing-bindings.md;
 *   2  binding API v2 (afbBindingV2 + afbBindingV2data), with the shapes
 *      of the 2021 AGL headers;
 *   1  binding API v1 (afbBindingV1Register), the default when the macro
 *      is not defined, as in the binding document of 2017;
 *   0  every declaration without the short names (the daemon's own use).
 *
 * Ownership, the same in every version:
 *  - json objects given to replies, calls, subcalls, pushes and broadcasts
 *    are consumed (the daemon calls json_object_put);
 *  - objects handed to callbacks (call results, events) and the one of
 *    afb_req_json are borrowed;
 *  - the results of the *_sync functions, afb_req_get_client_info and
 *    afb_req_get_application_id belong to the caller.
 *
 * Knobs a binding may define before the inclusion:
 *  AFB_BINDING_PRAGMA_NO_VERBOSE_DETAILS  logs without file, line, function
 *  AFB_BINDING_PRAGMA_NO_VERBOSE_DATA     logs above ERROR keep only their location
 *  AFB_BINDING_PRAGMA_NO_VERBOSE_MACRO    (v1) no ERROR/WARNING/... macros
 *  AFB_BINDING_PRAGMA_KEEP_VERBOSE_UNPREFIX (v2) ERROR, REQ_ERROR... macros
 *  AFB_BINDING_MAIN_NAME_V2               (v2) no declaration of afbBindingV2
 *  AFB_BINDING_DATA_NAME_V2               (v2) name of the afbBindingV2data variable
 *  AFB_BINDING_NO_ROOT                    (v3) no definition of afbBindingV3root
 *  AFB_BINDING_WANT_DYNAPI                (v3) the "dynapi" names of 2018
 */
#pragma once

#ifndef AFB_BINDING_VERSION
# define AFB_BINDING_VERSION 1
#endif

#define AFB_BINDING_LOWER_VERSION 1
#define AFB_BINDING_UPPER_VERSION 3
#define AFB_BINDING_INTERFACE_VERSION 3000

#if AFB_BINDING_VERSION != 0 \
	&& (AFB_BINDING_VERSION < AFB_BINDING_LOWER_VERSION || AFB_BINDING_VERSION > AFB_BINDING_UPPER_VERSION)
# error "Unsupported binding version AFB_BINDING_VERSION (this afb-daemon supports 1, 2 and 3)"
#endif

#include <stdarg.h>
#include <stdint.h>
#include <json-c/json.h>

#include "afb-verbosity.h"
#include "afb-arg.h"
#include "afb-auth.h"

#if AFB_BINDING_VERSION == 0 || AFB_BINDING_VERSION == 1
# include "afb-binding-v1.h"
#endif
/* v3 bindings may also declare v2 verbs (afb_api_set_verbs_v2): the v2 types are there */
#if AFB_BINDING_VERSION != 1
# include "afb-binding-v2.h"
#endif
#if AFB_BINDING_VERSION == 0 || AFB_BINDING_VERSION == 3
# include "afb-binding-v3.h"
#endif
