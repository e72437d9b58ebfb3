/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event objects handed to v2 and v3 bindings (struct afb_event_x2,
 * and the pair struct afb_event_x1 of v2): a reference-counted wrapper of
 * an evt (evt.h). The binding's last reference drops the event: its
 * subscriptions end and it can no more be pushed to anyone.
 */
#pragma once

#include "afb/afb-event-x2-itf.h"

struct evt;

/* A new event named 'fullname' ("api/name"), one reference; NULL on ENOMEM. */
struct afb_event_x2 *evt_x2_new(const char *fullname);

/* The evt of an event of ours (borrowed), or NULL when 'event' is not one (garbage from a binding). */
struct evt *evt_x2_evt(struct afb_event_x2 *event);

/* The v2 pair of 'event' (NULL gives the invalid pair). */
struct afb_event_x1 evt_x2_to_x1(struct afb_event_x2 *event);

/* The object of a v2 pair, if it is one of ours, or NULL. */
struct afb_event_x2 *evt_x2_from_x1(struct afb_event_x1 event);
