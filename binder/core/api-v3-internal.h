/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Between the files of the v3 apis (api-v3.c, api-v3-events.c,
 * api-v3-itf.c).
 */
#pragma once

struct api_v3;

/* Ends its event listener and forgets its handlers (its end; idempotent). */
void api_v3_events_release(struct api_v3 *a);
