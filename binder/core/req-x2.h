/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The request object of binding API v2 and v3 (struct afb_req_x2, the
 * closure of a v2 struct afb_req_x1): the req_x2 field of the xreq, and
 * its table of 31 slots (afb-req-x2-itf.h).
 */
#pragma once

#include <stddef.h>
#include "afb/afb-req-x2-itf.h"
#include "xreq.h"

extern const struct afb_req_x2_itf req_x2_itf;

/* Fills xreq->req_x2 for a verb of 'api' whose vcbdata is 'vcbdata'. */
void req_x2_bind(struct xreq *xreq, struct afb_api_x3 *api, void *vcbdata);

static inline struct xreq *req_x2_xreq(struct afb_req_x2 *req)
{
	return (struct xreq *)((char *)req - offsetof(struct xreq, req_x2));
}
