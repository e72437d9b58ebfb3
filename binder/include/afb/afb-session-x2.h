/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Session requirements of the verbs of binding API v2 and v3 (the
 * 'session' field of afb_verb_v2 and afb_verb_v3). Any non-zero value
 * requires the request's token to be valid; the two low bits are the
 * minimum LOA of the session for the verb's api.
 */
#pragma once

enum afb_session_flags_x2 {
	AFB_SESSION_NONE_X2 = 0,	/* no requirement */
	AFB_SESSION_LOA_0_X2 = 0,
	AFB_SESSION_LOA_1_X2 = 1,	/* LOA >= 1 */
	AFB_SESSION_LOA_2_X2 = 2,
	AFB_SESSION_LOA_3_X2 = 3,
	AFB_SESSION_LOA_MASK_X2 = 3,
	AFB_SESSION_CHECK_X2 = 4,	/* a valid token */
	AFB_SESSION_REFRESH_X2 = 8,	/* a valid token; a new token is issued */
	AFB_SESSION_CLOSE_X2 = 16	/* a valid token; the api's LOA and context end with the request */
};

#define AFB_SESSION_RENEW_X2 AFB_SESSION_REFRESH_X2
