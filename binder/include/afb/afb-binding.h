/* SPDX-License-Identifier: Apache-2.0 */
/*
 * afb-binding.h: the binding API of afb-daemon (binding API version 1).
 *
 * A binding is a shared object exporting afbBindingV1Register.  It is
 * never linked with the daemon: every service reaches it through the
 * function tables below, whose layouts are part of the ABI and must
 * never be reordered (new entries are only appended).
 *
 * Ownership, stated once here for the whole API:
 *  - json objects given to afb_req_success*, afb_req_subcall*,
 *    afb_service_call*, afb_event_push/broadcast, afb_daemon_broadcast_event
 *    and afb_event_sender_push are consumed (the daemon calls json_object_put);
 *  - afb_req_json() returns an object borrowed from the request;
 *  - the result given to subcall/service callbacks is borrowed; the result
 *    returned by the *_sync functions belongs to the caller.
 */
#pragma once

#ifndef AFB_BINDING_VERSION
#define AFB_BINDING_VERSION 1
#endif

#if AFB_BINDING_VERSION != 1
#error "this afb-daemon only provides the binding API version 1"
#endif

#include "afb-req-itf.h"
#include "afb-event-itf.h"
#include "afb-daemon-itf.h"
#include "afb-service-itf.h"
#include "afb-binding-v1.h"
