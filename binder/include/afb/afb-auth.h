/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Authorisation trees of the verbs of binding API v2 and v3.
 *
 * A verb's 'auth' is checked before the verb runs; the verb is not called
 * when it evaluates false. Evaluation is recursive with short circuit:
 *   afb_auth_No          false
 *   afb_auth_Token       the request presented the session's valid token
 *   afb_auth_LOA         the LOA of the session for the verb's api >= loa
 *   afb_auth_Permission  the daemon's permission checker grants 'text'
 *                        to the client of the request (--permissions)
 *   afb_auth_Or          first || next
 *   afb_auth_And         first && next
 *   afb_auth_Not         !first
 *   afb_auth_Yes         true
 * Any other type is false.
 */
#pragma once

enum afb_auth_type {
	afb_auth_No = 0,
	afb_auth_Token = 1,
	afb_auth_LOA = 2,
	afb_auth_Permission = 3,
	afb_auth_Or = 4,
	afb_auth_And = 5,
	afb_auth_Not = 6,
	afb_auth_Yes = 7
};

struct afb_auth {
	enum afb_auth_type type;
	/* anonymous: bindings initialise it with .text=, .loa= or .first= */
	union {
		const char *text;		/* afb_auth_Permission */
		unsigned loa;			/* afb_auth_LOA */
		const struct afb_auth *first;	/* afb_auth_Or, And, Not */
	};
	const struct afb_auth *next;		/* afb_auth_Or, And */
};
