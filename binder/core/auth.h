/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The requirements of the verbs of binding API v2 and v3: session flags
 * (afb-session-x2.h) and authorisation trees (afb-auth.h), checked before
 * the verb runs, on every transport.
 */
#pragma once

struct afb_auth;
struct json_object;
struct xreq;

/*
 * Checks, in this order, for a request whose x->api_key is the verb's api:
 *  - any flag set: the request presented the session's valid token, else
 *    the reply is denied / "invalid token's identity";
 *  - LOA bits: the session's LOA for the api is at least them, else
 *    denied / "invalid LOA";
 *  - 'auth' (may be NULL): evaluates true (auth_eval), else denied /
 *    "authorisation refused";
 * then REFRESH renews the token (given in the reply) and CLOSE makes the
 * request end the api's LOA and context. Returns 0 when the verb may run,
 * or -1 after replying the refusal.
 */
int auth_check_verb(struct xreq *xreq, unsigned session_flags, const struct afb_auth *auth);

/* Evaluates 'auth' for 'xreq' (NULL is true). 1 or 0. */
int auth_eval(struct xreq *xreq, const struct afb_auth *auth);

/*
 * The OpenAPI "x-permissions" of such a verb (a new object), or NULL when
 * it has no requirement: {"session":"check"}, {"token":"refresh"},
 * {"session":"close"}, {"LOA":n}, {"permission":"..."}, {"anyOf":[...]},
 * {"not":...}, true, false; several are wrapped in {"allOf":[...]}.
 */
struct json_object *auth_describe(unsigned session_flags, const struct afb_auth *auth);

/* The x-permissions of the items of 'list' (consumed): NULL (none), the item, or {"allOf": list}. */
struct json_object *auth_all_of(struct json_object *list);
